"""`nsifit evidence A.h5 B.h5`: the Bayes factor ln B = ln Z_A - ln Z_B of two nested runs."""


def register(sub):
    p = sub.add_parser("evidence", help="Bayes factor ln(Z_A/Z_B) of two nested runs (sampler.engine: nested)")
    p.add_argument("run_a", metavar="RUN_A.h5")
    p.add_argument("run_b", metavar="RUN_B.h5")
    p.set_defaults(func=cmd_evidence)


def cmd_evidence(args):
    from nsifit import api
    from nsifit.inference.evidence import jeffreys_wording
    a, b = api.Run(args.run_a), api.Run(args.run_b)
    (za, ea), (zb, eb) = a.log_z, b.log_z
    ln_b, err = api.bayes_factor(a, b)
    print(f"ln Z_A = {za:.4f} +- {ea:.4f}  ({args.run_a}, model {a.model})")
    print(f"ln Z_B = {zb:.4f} +- {eb:.4f}  ({args.run_b}, model {b.model})")
    words = jeffreys_wording(ln_b)
    if words != "inconclusive":
        words += " for " + ("A" if ln_b > 0 else "B")
    print(f"ln B = ln(Z_A/Z_B) = {ln_b:.4f} +- {err:.4f}: {words} "
          "(Jeffreys scale as in Trotta, arXiv:0803.4089: |ln B| < 1 inconclusive, < 2.5 weak, < 5 moderate, "
          "else strong)")
