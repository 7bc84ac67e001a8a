// What the browser cannot see for itself when parts keep failing.
//
// Storage may have lost the unfinished upload (a restart, the abandoned-upload sweep, a
// lifecycle rule), or its CORS rules may refuse this page: both look like a network error
// here. The app knows: it marks a lost upload lost, and names the CORS setting to change.

import { HttpError, MSG, api } from "./media-common.js";

// True when the upload cannot go on as it is. Parts failing together share one question.
function diagnose(uploader) {
  if (!uploader.session) return Promise.resolve(false);
  if (!uploader.diagnosis) {
    const { generation } = uploader;
    // The answer counts only if the filmmaker did not pause or cancel meanwhile.
    const still = () => uploader.state === "running" && uploader.generation === generation;
    uploader.diagnosis = api("GET", uploader.sessionUrl())
      .then(
        (session) => {
          if (!still()) return true;
          if (session.status === "lost") {
            markLost(uploader, session.message);
            return true;
          }
          if (session.problem) {
            uploader.pause(session.problem);
            return true;
          }
          return false;
        },
        (error) => {
          if (!still()) return true;
          // The app no longer has the session (swept as abandoned): start afresh.
          if (!(error instanceof HttpError && error.status === 404)) return false;
          markLost(uploader);
          return true;
        },
      )
      .finally(() => {
        uploader.diagnosis = null;
      });
  }
  return uploader.diagnosis;
}

// Nothing can resume a lost upload; a fresh upload of the same file can (Start again).
function markLost(uploader, message) {
  uploader.generation = (uploader.generation || 0) + 1; // workers of the lost upload stop
  for (const xhr of uploader.xhrs.values()) xhr.abort();
  if (uploader.session) uploader.forget(uploader.session.id);
  delete uploader.root.dataset.activeSession;
  uploader.session = null;
  uploader.setState("lost");
  uploader.announce(message || MSG.upload_lost);
  uploader.buttons.restart.focus();
}

export { diagnose, markLost };
