"""`nsifit run`: sample a config with emcee into HDF5 (resumable), then a corner plot beside it."""

QUICKSTART = "quickstart.yaml"


def register(sub):
    p = sub.add_parser("run", help="MCMC (emcee) over a config; no config = the built-in quickstart")
    p.add_argument("config", nargs="?", help="YAML config (default: the built-in examples/quickstart.yaml)")
    p.add_argument("-o", "--output", help="HDF5 output (default: the config's 'output')")
    p.add_argument("--steps", type=int, help="total number of steps (also when resuming)")
    p.add_argument("--walkers", type=int, help="number of walkers (even)")
    p.add_argument("--seed", type=int, help="random seed (same seed, same chain)")
    p.add_argument("--pool", help="vectorized (default) | serial | processes[:N] | mpi")
    p.add_argument("--converge", action="store_true", help="after --steps, continue until N > 50 tau")
    p.add_argument("--max-steps", type=int, help="cap for --converge (default 10x steps)")
    p.add_argument("--resume", action="store_true", help="continue OUT to the requested total steps")
    p.add_argument("--force", action="store_true", help="overwrite OUT, or resume despite a changed config")
    p.add_argument("--no-plot", action="store_true", help="skip the corner plot")
    p.add_argument("--data-dir", help="extra data directory (also: $NSIFIT_DATA_DIR)")
    p.set_defaults(func=cmd_run)


def quickstart_path():
    """The quickstart config shipped with the package (examples/quickstart.yaml in the repository)."""
    from importlib import resources
    return resources.files("nsifit.examples").joinpath(QUICKSTART)


def cmd_run(args):
    import yaml

    from nsifit import api
    source = args.config or yaml.safe_load(quickstart_path().read_text())
    run = api.run(source, output=args.output, steps=args.steps, walkers=args.walkers, seed=args.seed,
                  pool=args.pool, converge=args.converge, max_steps=args.max_steps, resume=args.resume,
                  force=args.force, data_dir=args.data_dir)
    diag = run.diagnostics
    print(f"wrote {run.path}: {diag['steps']} steps x {diag['walkers']} walkers, acceptance "
          f"{diag['acceptance']:.2f}, tau = {', '.join(f'{t:.1f}' for t in diag['tau'])} "
          f"({', '.join(run.names)})")
    for note in diag["warnings"]:
        print(f"warning: {note}")
    if not args.no_plot:
        plot = run.corner(run.path.with_suffix(".png"))
        print(f"wrote {plot}")
