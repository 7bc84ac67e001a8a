// Screeners: the recipient's name drifts over the picture so a recording shows whose copy it
// was. The player's controls have no switch for it; it moves every few seconds so it cannot be
// cropped away in one place.
const mark = document.querySelector("[data-watermark]");
if (mark) {
  const spots = [
    ["8%", "10%"], ["60%", "12%"], ["30%", "45%"], ["8%", "75%"], ["55%", "70%"],
  ];
  let n = 0;
  const move = () => {
    const [left, top] = spots[n % spots.length];
    mark.style.setProperty("--wm-left", left);
    mark.style.setProperty("--wm-top", top);
    n += 1;
  };
  move();
  setInterval(move, 7000);
}
