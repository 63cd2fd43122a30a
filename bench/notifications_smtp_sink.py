"""A local SMTP sink for the notifications bench: accepts every message, counts them.

    python bench/notifications_smtp_sink.py --port 2525 --count-file /tmp/sink.count

The count (and the number of distinct X-Goalsite-Delivery ids) is written to the
count file twice a second, so the bench can read it from another process.
"""

import argparse
import asyncio
import json
import re
import threading
import time

from aiosmtpd.controller import Controller

DELIVERY = re.compile(rb"^X-Goalsite-Delivery: *([^\r\n]*)", re.MULTILINE | re.IGNORECASE)


class Counter:
    def __init__(self):
        self.messages = 0
        self.deliveries: set[str] = set()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        # A regex over the raw bytes, not the email parser: the sink shares the 2 CPUs with the
        # worker, and an outside mail server would not.
        raw = envelope.original_content or envelope.content
        head = raw.split(b"\r\n\r\n", 1)[0]
        found = DELIVERY.search(head)
        with self.lock:
            self.messages += 1
            self.deliveries.add(found.group(1).decode() if found else "")
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--count-file", required=True)
    args = parser.parse_args()
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=args.port)
    controller.start()
    try:
        while True:
            with counter.lock:
                state = {"messages": counter.messages, "distinct": len(counter.deliveries)}
            with open(args.count_file + ".tmp", "w") as f:
                json.dump(state, f)
            import os

            os.replace(args.count_file + ".tmp", args.count_file)
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
    main()
