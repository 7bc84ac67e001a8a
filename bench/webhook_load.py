"""Load generator for the webhook acknowledgement benchmark, run in its own process.

    python -m bench.webhook_load PORT SECRET EVENTS_FILE CONCURRENCY ROUNDS

Reads one event body per line, and in each round sends CONCURRENCY of them at the same instant
(one thread and one keep-alive connection per delivery slot, released together by a barrier),
as Stripe does when a burst of payments completes at once; every body is signed just before it
is sent. Prints a JSON object: the latency of every delivery in milliseconds and the number of
answers that were not 2xx.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time

from storefront.adapters.payments.signing import sign


def main(port: int, secret: str, events_file: str, concurrency: int, rounds: int) -> None:
    with open(events_file, "rb") as handle:
        bodies = [line.rstrip(b"\n") for line in handle if line.strip()]
    if len(bodies) < concurrency * rounds:
        raise SystemExit(f"{len(bodies)} events for {concurrency * rounds} deliveries")
    barrier = threading.Barrier(concurrency)
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def slot(index: int) -> None:
        nonlocal failures
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        for r in range(rounds):
            body = bodies[r * concurrency + index]
            headers = {"Content-Type": "application/json", "Stripe-Signature": sign(body, secret)}
            barrier.wait()
            started = time.perf_counter()
            try:
                conn.request("POST", "/webhooks/stripe", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = 200 <= response.status < 300
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            mine.append((time.perf_counter() - started) * 1000)
            bad += not ok
        conn.close()
        with lock:
            latencies.extend(mine)
            failures += bad

    threads = [threading.Thread(target=slot, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"latencies_ms": latencies, "failures": failures}))


if __name__ == "__main__":
    port, secret, path, concurrency, rounds = sys.argv[1:6]
    main(int(port), secret, path, int(concurrency), int(rounds))
