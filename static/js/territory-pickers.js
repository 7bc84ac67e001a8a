// Pages whose forms pick territories (promotion codes, screeners): enhance every territory
// picker on the page. The offers editor does the same from offers.js, with its summaries.
import { enhanceAll } from "./territory-picker.js";

enhanceAll();
