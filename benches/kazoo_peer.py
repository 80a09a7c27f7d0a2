"""The peer for benches/scale.rs: the same rollout driven by agents written the way a Conveyor
user would today, with kazoo's Semaphore recipe (one KazooClient session per agent, one thread
each). Prints one JSON line: the start time (ns since the epoch, as the commands log theirs) and
the ZooKeeper server's packets received and last zxid before and after the rollout (connecting
the clients is left out, as the agents are connected before deployctl's rollout)."""
import argparse, json, socket, subprocess, threading, time

from kazoo.client import KazooClient

p = argparse.ArgumentParser()
p.add_argument("--zk", required=True)
p.add_argument("--n", type=int, required=True)
p.add_argument("--slots", type=int, required=True)
p.add_argument("--cmd", required=True)
p.add_argument("--path", required=True)
a = p.parse_args()


def four(word):
    host, port = a.zk.split(",")[0].rsplit(":", 1)
    s = socket.create_connection((host, int(port)))
    s.sendall(word.encode())
    s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            return out.decode()
        out += b


def server():
    packets = next(int(l.split()[1]) for l in four("mntr").splitlines() if l.startswith("zk_packets_received"))
    zxid = next(int(l.split()[1], 16) for l in four("srvr").splitlines() if l.startswith("Zxid:"))
    return packets, zxid


clients = []
for i in range(a.n):
    c = KazooClient(hosts=a.zk, timeout=10)
    c.start()
    clients.append(c)
go = threading.Event()


def agent(i, c):
    go.wait()
    sem = c.Semaphore(a.path + "/sem", identifier="h%d" % i, max_leases=a.slots)
    with sem:
        subprocess.run(["sh", "-c", a.cmd], check=False)


threads = [threading.Thread(target=agent, args=(i, c)) for i, c in enumerate(clients)]
for t in threads:
    t.start()
# mntr and srvr are packets too: what one reading of the server costs is taken off.
before0 = server()
before = server()
overhead = before[0] - before0[0]
t0 = time.time_ns()
go.set()
for t in threads:
    t.join()
after = server()
print(json.dumps({"t0_ns": t0, "packets": after[0] - before[0] - overhead, "zxids": after[1] - before[1]}))
for c in clients:
    c.stop()
    c.close()
