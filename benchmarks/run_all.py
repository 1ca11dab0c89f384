"""Run every benchmark script in this folder (``make bench``) and summarise which passed.

Each script prints its own figures; a script exiting non-zero marks the whole run as failed.
Usage: ``python benchmarks/run_all.py [NAME ...]`` (names without ``.py``; default: all).
"""
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SKIP = {"__init__.py", "run_all.py"}


def benchmark_scripts(names: list[str]) -> list[Path]:
    scripts = sorted(p for p in HERE.glob("*.py") if p.name not in SKIP and not p.name.startswith("_"))
    if names:
        wanted = {n.removesuffix(".py") for n in names}
        scripts = [p for p in scripts if p.stem in wanted]
        missing = wanted - {p.stem for p in scripts}
        if missing:
            raise SystemExit(f"no benchmark named {', '.join(sorted(missing))}")
    return scripts


def main(argv: list[str]) -> int:
    results = []
    for script in benchmark_scripts(argv):
        print(f"\n=== {script.name} " + "=" * max(0, 70 - len(script.name)), flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=ROOT, stdin=subprocess.DEVNULL)
        results.append((script.name, code, time.perf_counter() - started))
    print("\n=== summary " + "=" * 63)
    for name, code, elapsed in results:
        print(f"  {'ok  ' if code == 0 else 'FAIL'} {name:<24} {elapsed:8.1f} s" + (f"  (exit {code})" if code else ""))
    return 1 if any(code for _, code, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
