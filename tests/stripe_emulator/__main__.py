"""Run the emulator standalone: ``python -m tests.stripe_emulator --port 12111``."""

from __future__ import annotations

import argparse

from .emulator import StripeEmulator


def main(argv: list[str] | None = None) -> None:
    """Parse options, start serving and print the base URL."""
    parser = argparse.ArgumentParser(description="Local Stripe emulator for development.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument(
        "--webhook",
        nargs=2,
        action="append",
        default=[],
        metavar=("URL", "SECRET"),
        help="deliver events to URL signed with SECRET (repeatable)",
    )
    parser.add_argument("--webhook-mode", choices=("sync", "async"), default="sync")
    # Stripe retries a delivery the endpoint did not acknowledge (a store node that died).
    parser.add_argument("--webhook-retries", type=int, default=0)
    parser.add_argument("--webhook-retry-delay", type=float, default=0.0, help="seconds")
    parser.add_argument("--fee-percent", default=None, help="processing fee percent (2.9)")
    parser.add_argument("--fee-fixed", type=int, default=None, help="fixed fee, minor units (30)")
    args = parser.parse_args(argv)
    emu = StripeEmulator(
        host=args.host,
        port=args.port,
        fee_percent=args.fee_percent,
        fee_fixed=args.fee_fixed,
        webhook_mode=args.webhook_mode,
        webhook_retries=args.webhook_retries,
        webhook_retry_delay=args.webhook_retry_delay,
    )
    for url, secret in args.webhook:
        emu.add_webhook_endpoint(url, secret)
    emu.start()
    print(emu.url, flush=True)
    try:
        emu.serve_forever()
    except KeyboardInterrupt:
        emu.stop()


if __name__ == "__main__":
    main()
