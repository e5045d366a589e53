# fake_engine.py -- the containers of a fake Docker Engine, for tests whose engine must do what
# a real one cannot be made to do (answer garbage, flood, hang) or must be there without root:
# each container as GET /containers/json lists it and GET /containers/ID/json inspects it, in
# the Docker API v1.41 shapes captured in tests/unit/data, and its events as /events streams
# them (stream_events). The rest of the HTTP side stays in each test: what the engine does
# wrong is what the test is about.
# SPDX-License-Identifier: MIT
import copy
import hashlib
import json
import os
import queue
import time

DATA = os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "unit", "data")
with open(os.path.join(DATA, "engine_inspect_web1.json")) as f:
    INSPECT_TEMPLATE = json.load(f)
with open(os.path.join(DATA, "engine_version.json")) as f:
    VERSION_TEMPLATE = json.load(f)


def cid(name):
    """A container id (64 hex digits) made from its name."""
    return hashlib.sha256(name.encode()).hexdigest()


class Container:
    """One container on the bridge network at ip; health None: no health check."""

    def __init__(self, name, ip, running=True, paused=False, health="healthy", labels=None,
                 ports=None):
        self.name, self.ip, self.running, self.paused = name, ip, running, paused
        self.health = health
        self.labels = labels if labels is not None else {"fleetdns.service": "web"}
        self.ports = ports or {}
        self.id = cid(name)

    def inspect(self):
        """As GET /containers/ID/json shows it."""
        d = copy.deepcopy(INSPECT_TEMPLATE)
        d["Id"], d["Name"] = self.id, "/" + self.name
        st = d["State"]
        st["Running"], st["Paused"] = self.running, self.paused
        st["Status"] = "paused" if self.paused else ("running" if self.running else "exited")
        if self.health is None:
            st.pop("Health", None)
        else:
            st["Health"]["Status"] = self.health
        d["Config"]["Labels"] = self.labels
        net = copy.deepcopy(d["NetworkSettings"]["Networks"]["bridge"])
        net["IPAddress"], net["GlobalIPv6Address"] = self.ip, ""
        d["NetworkSettings"]["Networks"] = {"bridge": net}
        d["NetworkSettings"]["Ports"] = self.ports
        return d

    def listed(self):
        """As GET /containers/json shows it (tests/unit/data/engine_list_h7.json)."""
        if self.paused:
            status = "Up 9 seconds (Paused)"
        elif self.health in ("healthy", "unhealthy"):
            status = f"Up 9 seconds ({self.health})"
        elif self.health == "starting":
            status = "Up 1 second (health: starting)"
        else:
            status = "Up 9 seconds"
        return {"Id": self.id, "Names": ["/" + self.name], "Image": "fleet-test",
                "State": "paused" if self.paused else "running", "Status": status,
                "Labels": self.labels,
                "NetworkSettings": {"Networks": {"bridge": {"IPAddress": self.ip,
                                                            "GlobalIPv6Address": ""}}}}


def event(id_, action, name="x"):
    """A container event as /events streams it (one JSON object)."""
    t = time.time()
    return {"status": action, "id": id_, "from": "fleet-test", "Type": "container",
            "Action": action, "Actor": {"ID": id_, "Attributes": {"name": name}},
            "scope": "local", "time": int(t), "timeNano": int(t * 1e9)}


def event_bytes(id_, action, name="x"):
    """The same as one line of the stream."""
    return json.dumps(event(id_, action, name), separators=(",", ":")).encode() + b"\n"


def stream_events(handler, engine):
    """Serve GET /events on handler (an http.server handler) from a queue of its own, added
    to engine.streams (under engine.lock) until engine.stopping is set: each item is bytes
    (one chunk), a list of bytes (chunks 10 ms apart, events cut at odd places) or None (the
    engine ends the stream)."""
    q = queue.Queue()
    with engine.lock:
        engine.streams.append(q)

    def chunk(data):
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        handler.wfile.flush()

    try:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        handler.wfile.flush()
        while not engine.stopping.is_set():
            try:
                data = q.get(timeout=0.1)
            except queue.Empty:
                continue
            if data is None:
                handler.wfile.write(b"0\r\n\r\n")
                break
            for piece in data if isinstance(data, list) else [data]:
                chunk(piece)
                if isinstance(data, list):
                    time.sleep(0.01)
    except OSError:
        pass
    finally:
        with engine.lock:
            engine.streams.remove(q)
        handler.close_connection = True
