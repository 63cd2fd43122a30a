"""A local SMTP sink for the notifications bench: accepts every message, counts them.

    python bench/notifications_smtp_sink.py --port 2525 --count-file /tmp/sink.count

The count (and the number of distinct X-Goalsite-Delivery ids) is written to the
count file twice a second, so the bench can read it from another process.
"""

import argparse
import asyncio
import json
import threading
import time
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self):
        self.messages = 0
        self.deliveries: set[str] = set()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        with self.lock:
            self.messages += 1
            self.deliveries.add(headers.get("X-Goalsite-Delivery", ""))
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
