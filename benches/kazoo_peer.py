"""The peer for benches/scale.rs: the same rollout driven by agents written the way a Conveyor
user would today, with kazoo's Semaphore recipe (one KazooClient session per agent, one thread
each). Prints one JSON line: first start and total time, seconds after the release appears."""
import argparse, json, subprocess, threading, time

from kazoo.client import KazooClient

p = argparse.ArgumentParser()
p.add_argument("--zk", required=True)
p.add_argument("--n", type=int, required=True)
p.add_argument("--slots", type=int, required=True)
p.add_argument("--cmd", required=True)
p.add_argument("--path", required=True)
a = p.parse_args()

clients = []
for i in range(a.n):
    c = KazooClient(hosts=a.zk, timeout=10)
    c.start()
    clients.append(c)
go = threading.Event()
starts, ends, lock = [], [], threading.Lock()


def agent(i, c):
    go.wait()
    sem = c.Semaphore(a.path + "/sem", identifier="h%d" % i, max_leases=a.slots)
    with sem:
        t = time.monotonic()
        subprocess.run(["sh", "-c", a.cmd], check=False)
        with lock:
            starts.append(t)
            ends.append(time.monotonic())


threads = [threading.Thread(target=agent, args=(i, c)) for i, c in enumerate(clients)]
for t in threads:
    t.start()
t0 = time.monotonic()
go.set()
for t in threads:
    t.join()
print(json.dumps({"first_start": min(starts) - t0, "total": max(ends) - t0}))
for c in clients:
    c.stop()
    c.close()
