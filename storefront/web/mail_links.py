"""Links in mails that work without signing in: switching off a studio's sale mails.

The signed token in the path is the credential. Opening the link (GET) only asks, because
mail scanners follow links; the POST switches the mails off, from the page's button or from
a mail client's one-click request (RFC 8058), which carries no form token.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from ..extensions import csrf
from ..services.accounts.notifications import opt_out

bp = Blueprint("mail_links", __name__, url_prefix="/mail")


@bp.route("/sale-mails-off/<token>", methods=["GET", "POST"])
@csrf.exempt
def sale_mails_off(token: str) -> ResponseReturnValue:
    found = opt_out.studio_of(token)
    if found is None:
        abort(404)
    studio, address = found
    if request.method == "POST":
        opt_out.stop_sale_mails(studio)
    return render_template(
        "mail_links/sale_mails_off.html",
        studio=studio,
        address=address,
        done=request.method == "POST",
        sale_mails_on=studio.sale_alerts != "off",
    )
