"""An open-loop HTTP load generator that keeps its schedule, plus a closed-loop saturation mode.

    .venv/bin/python benchmarks/loadgen.py --url http://127.0.0.1:8000 --key lr_... \\
        [--rates 250,500,1000] [--max] [--closed 16] [--duration 10] [--json out.json]

Open loop: at rate R, request i is due at t0 + i/R whatever happened to the earlier ones, and
its latency runs from that intended time to the end of its answer, so a server that stalls
shows in the latency instead of silently slowing the generator (no coordinated omission). The
generator reports how late it started each request (its own lag, which must stay small for the
figures to mean anything) apart from the wait for a free connection (the server's backlog).

It speaks HTTP/1.1 keep-alive over raw asyncio streams: httpx.AsyncClient costs ~0.5 ms of CPU
a request, too much to hold 1,500 requests/s on one core beside the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from random import Random
from urllib.parse import urlsplit

from workload import COUNTRIES, INDUSTRIES, LANGUAGE_OF, PRODUCTS, SIZES, SOURCES, US_REGIONS

FIRST = (
    "Ana", "Bruno", "Chen", "Dara", "Emeka", "Fatima", "Giulia", "Hiro", "Ines", "Jonas",
    "Kofi", "Lena", "Mateo", "Nadia", "Olga", "Priya", "Quentin", "Rosa", "Sven", "Yuki",
)  # fmt: skip
LAST = (
    "Souza", "Smith", "Müller", "Tanaka", "García", "Okafor", "Rossi", "Kowalski", "Nguyen",
    "Dubois", "Johansson", "Patel", "Haddad", "O'Brien", "Silva", "Kim", "Novak", "Costa",
)  # fmt: skip
DOMAINS = ("acme", "nova", "orbit", "pixel", "quantum", "blue", "zen", "iron", "green")
TLDS = ("com", "io", "co.uk", "de", "com.br", "fr", "jp")
PHONES = {
    "US": "+1 212 {a:03d} {b:04d}", "GB": "+44 20 7{a:03d} {b:04d}",
    "DE": "+49 30 {a:03d}{b:04d}", "BR": "+55 11 9{a:03d}{b:04d}",
}  # fmt: skip
DRAIN = 30.0  # seconds to wait for answers after the last scheduled send


def _pick(rng: Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


@dataclass(kw_only=True)
class LeadBodies:
    """Seeded, varied lead bodies (the mix of benchmarks/workload.py, with names, emails and
    some phones). Numbered from `start`: each email and phone is unique, so no submission is
    merged as a duplicate and every 201 is one new stored lead."""

    seed: int = 42
    tag: str = "b"
    start: int = 0
    rng: Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = Random(f"{self.seed}:{self.tag}:{self.start}")

    def next(self) -> bytes:
        rng, number = self.rng, self.start
        self.start += 1
        first, last = rng.choice(FIRST), rng.choice(LAST)
        word = rng.choice(DOMAINS)
        domain = f"{word}{rng.randint(1, 9999)}.{rng.choice(TLDS)}"
        lead: dict[str, object] = {
            "name": f"{first} {last}",
            "email": f"{first.lower()}.{self.tag}{number}@{domain}",
            "company": f"{word.title()} {rng.choice(('Inc', 'Labs', 'GmbH'))}",
            "industry": rng.choice(INDUSTRIES),
            "source": _pick(rng, SOURCES),
            "product": rng.choice(PRODUCTS),
        }
        if rng.random() < 0.98:
            country = _pick(rng, COUNTRIES)
            lead["country"] = country
            lead["language"] = LANGUAGE_OF[country]
            if country == "US":
                lead["region"] = rng.choice(US_REGIONS)
            if country in PHONES and rng.random() < 0.5:
                a, b = divmod(number % 8_000_000, 10_000)
                lead["phone"] = PHONES[country].format(a=200 + a, b=b)
        if rng.random() < 0.97:
            lead["company_size"] = rng.choice(SIZES)
        return json.dumps(lead).encode()


@dataclass(frozen=True, kw_only=True)
class Target:
    """One server: where to connect and what to send."""

    host: str
    port: int

    @classmethod
    def of(cls, url: str) -> Target:
        parts = urlsplit(url)
        return cls(host=parts.hostname or "127.0.0.1", port=parts.port or 80)

    def request(self, method: str, path: str, key: str, body: bytes | None = None) -> bytes:
        """The raw bytes of one HTTP/1.1 keep-alive request."""
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        head += f"Authorization: Bearer {key}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        else:
            head += "Content-Length: 0\r\n"
        return (head + "\r\n").encode() + (body or b"")


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, raw: bytes) -> tuple[int, bool]:
        """Send one request and read its whole answer: (status, whether to keep the line)."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        keep = b"connection: close" not in lower
        at = lower.find(b"content-length:")
        if at >= 0:
            length = int(lower[at + 15 : lower.index(b"\r\n", at)])
            if length:
                await self.reader.readexactly(length)
        elif b"transfer-encoding: chunked" in lower:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        return status, keep


class Pool:
    """Keep-alive connections to one target, at most `limit` busy; a request waits for one."""

    def __init__(self, target: Target, limit: int) -> None:
        self.target = target
        self.slots = asyncio.Semaphore(limit)
        self.idle: list[Connection] = []

    async def _connect(self) -> Connection:
        reader, writer = await asyncio.open_connection(self.target.host, self.target.port)
        return Connection(reader, writer)

    async def warm(self, count: int) -> None:
        self.idle += await asyncio.gather(*(self._connect() for _ in range(count)))

    async def send(self, raw: bytes) -> int:
        """One request on a pooled connection: its status (a broken line is closed, raises)."""
        async with self.slots:
            connection = self.idle.pop() if self.idle else await self._connect()
            try:
                status, keep = await connection.exchange(raw)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                connection.writer.close()
                raise
            if keep:
                self.idle.append(connection)
            else:
                connection.writer.close()
            return status

    def close(self) -> None:
        for connection in self.idle:
            connection.writer.close()
        self.idle.clear()


def percentile(ordered: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of sorted values (0 for none)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


@dataclass(kw_only=True)
class Step:
    """What one step (one rate, or one closed-loop run) measured; times in milliseconds."""

    mode: str
    target_rate: float  # requests/s asked for (0 in closed loop)
    seconds: float  # from the first intended send to the last answer
    sent: int
    ok: int
    statuses: dict[str, int]
    throughput: float  # 2xx answers per second
    p50: float
    p90: float
    p99: float
    max: float
    start_lag_p99: float  # how late the generator began requests (its own lateness)
    start_lag_max: float
    clients: int = 0

    def kept_up(self, p99_bound: float) -> bool:
        return self.throughput >= 0.97 * self.target_rate and self.p99 <= p99_bound

    def line(self) -> str:
        errors = {k: v for k, v in self.statuses.items() if not k.startswith("2")}
        name = f"{self.target_rate:>6,.0f}/s" if self.mode == "open" else f"{self.clients} cl."
        return (
            f"{self.mode:6} {name:>9}: {self.throughput:>7,.0f} ok/s  p50 {self.p50:6.1f}  "
            f"p90 {self.p90:6.1f}  p99 {self.p99:7.1f}  max {self.max:7.1f} ms  sent {self.sent}"
            f"  errors {errors or 0}  gen lag p99 {self.start_lag_p99:.1f} ms"
        )


def _summary(
    mode: str, rate: float, seconds: float, latencies: list[float], lags: list[float],
    statuses: Counter[str], clients: int = 0,
) -> Step:  # fmt: skip
    ordered, lag = sorted(latencies), sorted(lags)
    ok = sum(n for status, n in statuses.items() if status.startswith("2"))
    p50, p90, p99 = (percentile(ordered, q) * 1000 for q in (0.5, 0.9, 0.99))
    return Step(
        mode=mode, target_rate=rate, seconds=seconds, sent=sum(statuses.values()), ok=ok,
        statuses=dict(sorted(statuses.items())), throughput=ok / seconds if seconds > 0 else 0.0,
        p50=p50, p90=p90, p99=p99, max=(ordered[-1] if ordered else 0.0) * 1000,
        start_lag_p99=percentile(lag, 0.99) * 1000,
        start_lag_max=(lag[-1] if lag else 0.0) * 1000, clients=clients,
    )  # fmt: skip


async def open_loop(pools: list[Pool], requests: list[bytes], rate: float) -> Step:
    """Send `requests` at `rate`/s, round-robin over `pools`, each at its intended time."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    lags: list[float] = []
    statuses: Counter[str] = Counter()
    done_at = [0.0]

    async def one(pool: Pool, raw: bytes, intended: float) -> None:
        lags.append(loop.time() - intended)
        try:
            status = str(await pool.send(raw))
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            status = type(error).__name__
        finished = loop.time()
        statuses[status] += 1
        latencies.append(finished - intended)
        done_at[0] = max(done_at[0], finished)

    t0 = loop.time() + 0.05
    tasks: list[asyncio.Task[None]] = []
    count = len(requests)
    while len(tasks) < count:
        due = min(count, int((loop.time() - t0) * rate) + 1)
        for index in range(len(tasks), due):
            pool = pools[index % len(pools)]
            tasks.append(asyncio.create_task(one(pool, requests[index], t0 + index / rate)))
        await asyncio.sleep(max(0.0, t0 + len(tasks) / rate - loop.time()))
    _, late = await asyncio.wait(tasks, timeout=DRAIN)
    for task in late:
        task.cancel()
    if late:
        statuses["timeout"] += len(late)
    return _summary("open", rate, max(done_at[0], loop.time() if late else 0) - t0, latencies,
                    lags, statuses)  # fmt: skip


async def closed_loop(pools: list[Pool], make: list[Callable[[], bytes]], seconds: float) -> Step:
    """len(make) clients, each sending its next request as soon as the last one is answered,
    for `seconds`: the saturation throughput."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    stop = loop.time() + seconds

    async def client(pool: Pool, next_request: Callable[[], bytes]) -> None:
        while loop.time() < stop:
            began = loop.time()
            try:
                status = str(await pool.send(next_request()))
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                status = type(error).__name__
            statuses[status] += 1
            latencies.append(loop.time() - began)

    started = loop.time()
    await asyncio.gather(*(client(pools[n % len(pools)], m) for n, m in enumerate(make)))
    return _summary("closed", 0.0, loop.time() - started, latencies, [], statuses, len(make))


@dataclass(kw_only=True)
class Load:
    """Lead intake load on one or more servers, with one key."""

    urls: list[str]
    key: str
    bodies: LeadBodies
    path: str = "/api/v1/leads"
    limit: int = 256  # connections per server

    def requests(self, count: int) -> list[bytes]:
        targets = [Target.of(url) for url in self.urls]
        return [
            targets[n % len(targets)].request("POST", self.path, self.key, self.bodies.next())
            for n in range(count)
        ]

    async def _pools(self, warm: int) -> list[Pool]:
        pools = [Pool(Target.of(url), self.limit) for url in self.urls]
        await asyncio.gather(*(pool.warm(warm) for pool in pools))
        return pools

    def fixed(self, rate: float, seconds: float) -> Step:
        """One open-loop step (the bodies are built before the clock starts)."""
        requests = self.requests(max(1, round(rate * seconds)))

        async def run() -> Step:
            pools = await self._pools(min(self.limit, 32))
            try:
                return await open_loop(pools, requests, rate)
            finally:
                for pool in pools:
                    pool.close()

        return asyncio.run(run())

    def closed(self, clients: int, seconds: float) -> Step:
        targets = [Target.of(url) for url in self.urls]

        def maker(n: int) -> Callable[[], bytes]:
            target = targets[n % len(targets)]
            return lambda: target.request("POST", self.path, self.key, self.bodies.next())

        async def run() -> Step:
            pools = [Pool(target, clients) for target in targets]
            try:
                return await closed_loop(pools, [maker(n) for n in range(clients)], seconds)
            finally:
                for pool in pools:
                    pool.close()

        return asyncio.run(run())

    def max_sustained(
        self, rates: Sequence[float], seconds: float, p99_bound: float, *, rest: float = 1.0
    ) -> tuple[float, list[Step]]:
        """Step the rate up; the highest rate that kept up (achieved ≥ 97%, p99 ≤ bound),
        stopping at the first that did not."""
        best, steps = 0.0, []
        for rate in rates:
            step = self.fixed(rate, seconds)
            steps.append(step)
            print("  " + step.line(), flush=True)
            if not step.kept_up(p99_bound):
                break
            best = rate
            asyncio.run(asyncio.sleep(rest))
        return best, steps


MAX_STEPS = (250, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 4000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", action="append", required=True, help="server (repeatable)")
    parser.add_argument("--key", required=True, help="API key allowed to post leads")
    parser.add_argument("--rates", default="250,500,1000", help="open-loop rates, requests/s")
    parser.add_argument("--max", action="store_true", help="also step up to the max sustained")
    parser.add_argument("--p99-bound", type=float, default=100.0, help="ms, for --max")
    parser.add_argument("--closed", type=int, default=0, help="closed-loop clients (0: none)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per step")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tag", default="g", help="email tag: unique per database")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    load = Load(urls=args.url, key=args.key, bodies=LeadBodies(seed=args.seed, tag=args.tag))
    steps: list[Step] = []
    for rate in (float(r) for r in args.rates.split(",") if r):
        steps.append(load.fixed(rate, args.duration))
        print(steps[-1].line(), flush=True)
    best = None
    if args.max:
        best, tried = load.max_sustained(MAX_STEPS, args.duration, args.p99_bound)
        steps += tried
        print(f"max sustained: {best:,.0f}/s (achieved ≥ 97%, p99 ≤ {args.p99_bound:g} ms)")
    if args.closed:
        steps.append(load.closed(args.closed, args.duration))
        print(steps[-1].line())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"max_sustained": best, "steps": [asdict(s) for s in steps]}, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
