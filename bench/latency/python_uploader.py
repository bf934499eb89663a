"""A Python uploader doing what MSight's HttpSinkNode does, for bench/latency/run.sh to measure
beside msight-run: subscribe to a Redis channel (redis-py), unpack each MessagePack message
(msgpack), turn it into MSight's JSON form (bytes as Base64, json.dumps with Python's default
separators), POST it with requests (Content-Type and X-Partition-Key headers, a random-mode
partition key) and log MSight's two INFO lines per upload. MSight itself is not packaged; this is
the same libraries doing the same work on one thread.

    python_uploader.py REDIS_PORT CHANNEL URL LOG_FILE
"""
import base64
import json
import logging
import sys
import time

import msgpack
import redis
import requests


def to_json(message):
    return json.dumps({key: base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
                       for key, value in message.items()})


def main():
    port, channel, url, log_file = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    logging.basicConfig(filename=log_file, level=logging.INFO,
                        format="%(asctime)s - bench - python_uploader - %(levelname)s :: %(message)s")
    log = logging.getLogger("python_uploader")
    subscriber = redis.Redis(host="127.0.0.1", port=int(port)).pubsub()
    subscriber.subscribe(channel)
    print("started", flush=True)
    for item in subscriber.listen():
        if item["type"] != "message":
            continue
        body = to_json(msgpack.unpackb(item["data"], raw=False))
        key = str(time.time())
        log.info("Sending data to %s... waiting for response", url)
        response = requests.post(url, params={"partition_key": key}, data=body,
                                 headers={"Content-Type": "application/json", "X-Partition-Key": key})
        log.info("Status: %s, %s", response.status_code, response.text)


if __name__ == "__main__":
    main()
