"""``python -m lab serve|estate``: the local DRS + EC2 lab."""

from __future__ import annotations

import argparse
import os
import sys
import time

import yaml


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab", description="Local AWS DRS + EC2 lab (one port).")
    sub = parser.add_subparsers(dest="command", required=True)
    serve_p = sub.add_parser("serve", help="serve the lab until stopped")
    serve_p.add_argument("--host", default="127.0.0.1")
    serve_p.add_argument("--port", type=int, default=5055)
    serve_p.add_argument("--estate", default=None, help="estate YAML to seed (lab/estates/demo.yml)")
    serve_p.add_argument("--time-scale", type=float, default=60.0, help="simulated seconds per real second (0 freezes time)")
    serve_p.add_argument("--seed", type=int, default=0)
    serve_p.add_argument("--strict", action="store_true", help="answer 500 when a DRS response breaks the botocore model")
    est_p = sub.add_parser("estate", help="print a generated estate (YAML) for benchmarks")
    est_p.add_argument("--servers", type=int, required=True)
    est_p.add_argument("--waves", type=int, default=1)
    est_p.add_argument("--seed", type=int, default=1)
    est_p.add_argument("--out", default="-")
    args = parser.parse_args(argv)

    if args.command == "estate":
        from lab.estate import generate

        text = yaml.safe_dump(generate(args.servers, args.waves, args.seed), sort_keys=False)
        if args.out == "-":
            sys.stdout.write(text)
        else:
            with open(args.out, "w", encoding="utf-8") as handle:
                handle.write(text)
        return 0

    started = time.monotonic()
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "false")
    from lab.server import LabApp, serve

    app = LabApp(args.estate, seed=args.seed, time_scale=args.time_scale, strict=args.strict)

    def ready(server):
        print(f"lab ready on http://{args.host}:{server.port} ({len(app.estate['servers'])} servers, "
              f"estate {app.estate.get('name') or 'empty'}, started in {time.monotonic() - started:.2f} s)", flush=True)

    try:
        serve(args.host, args.port, app, on_ready=ready)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
