"""`nsifit run`: sample a config with emcee (or nautilus: `sampler.engine: nested`) into HDF5 (resumable),
then a corner plot beside it (emcee runs)."""

QUICKSTART = "quickstart.yaml"


def register(sub):
    p = sub.add_parser("run", help="MCMC (emcee) or nested sampling (sampler.engine: nested) over a config; "
                       "no config = the built-in quickstart")
    p.add_argument("config", nargs="?", help="YAML config (default: the built-in examples/quickstart.yaml)")
    p.add_argument("-o", "--output", help="HDF5 output (default: the config's 'output')")
    p.add_argument("--steps", type=int, help="total number of steps (also when resuming)")
    p.add_argument("--walkers", type=int, help="number of walkers (even)")
    p.add_argument("--seed", type=int, help="random seed (same seed, same chain)")
    p.add_argument("--pool", help="vectorized (default) | serial | processes[:N] | mpi")
    p.add_argument("--ess", type=float, metavar="N", help="run until every parameter has ESS >= N and the "
                   "chain is >= 50 tau long (checked every ~10%% of the steps; --steps: the minimum)")
    p.add_argument("--converge", action="store_true", help="after --steps, continue until N > 50 tau "
                   "(--ess without an ESS target)")
    p.add_argument("--max-steps", type=int, help="cap for --ess / --converge (default 10x steps)")
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
                  pool=args.pool, ess=args.ess, converge=args.converge, max_steps=args.max_steps,
                  resume=args.resume, force=args.force, data_dir=args.data_dir)
    if getattr(run, "complete", True) is False:
        print(f"stopped after {run.total_steps} likelihood calls (sampler.max_calls); the state is in "
              f"{run.path} and its checkpoint: continue with --resume")
        return
    if run.is_nested:
        n = run.diagnostics
        print(f"wrote {run.path}: nested sampling, {n['n_calls']} likelihood calls ({run.new_steps} new), "
              f"effective sample size {n['n_eff']:.0f}")
        print(f"  ln Z = {n['log_z']:.3f} +- {n['log_z_err']:.3f}")
        if not args.no_plot:
            print(f"wrote {run.corner(run.path.with_suffix('.png'))}")
        return
    if run.new_steps == 0:
        print(f"nothing to do: {run.path} already holds {run.total_steps} steps (ask for more with --steps N)")
        return
    diag = run.diagnostics
    print(f"wrote {run.path}: {diag['steps']} steps x {diag['walkers']} walkers, acceptance "
          f"{diag['acceptance']:.2f}, burn-in {diag['burn_in']}")
    print_convergence(run.names, diag)
    for note in diag["warnings"]:
        print(f"warning: {note}")
    if not args.no_plot:
        plot = run.corner(run.path.with_suffix(".png"))
        print(f"wrote {plot}")


def print_convergence(names, diag):
    """tau, N/tau and ESS per parameter, and whether the run met its target."""
    width = max(10, *(len(n) for n in names))
    print(f"  {'param':<{width}} {'tau':>8} {'N/tau':>8} {'ESS':>9}")
    for name, tau, ratio, ess in zip(names, diag["tau"], diag["n_over_tau"], diag["ess"]):
        print(f"  {name:<{width}} {tau:8.1f} {ratio:8.1f} {ess:9.0f}")
    target = f"ESS >= {diag['ess_target']:g} and " if diag.get("ess_target") is not None else ""
    state = "met" if diag["converged"] else "NOT met"
    print(f"  target {target}N >= {diag['tau_factor']:g} tau: {state}")
