// Pages whose forms pick several of a list (a code's films and countries, a screener's
// countries, a film's languages and countries of production): enhance every picker on the
// page. The offers editor does the same from offers.js, with its summaries.
import { enhanceAll } from "./territory-picker.js";

enhanceAll();
