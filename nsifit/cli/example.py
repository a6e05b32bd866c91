"""`nsifit example [NAME]`: list the shipped example configs, or print one (to copy and edit)."""

import sys

from nsifit import examples
from nsifit.errors import NsifitError, unknown


def register(sub):
    p = sub.add_parser("example", help="list the shipped example configs, or print one: "
                                       "nsifit example quickstart > my.yaml")
    p.add_argument("name", nargs="?", help="example to print (default: list them)")
    p.set_defaults(func=cmd_example)


def cmd_example(args):
    available = examples.names()
    if args.name is None:
        print("run configs (nsifit run NAME, nsifit profile NAME):")
        for name, kind in available.items():
            if kind == "run":
                print(f"  {name:<30} {examples.summary(name)}")
        print("bounds configs (nsifit bounds NAME):")
        for name, kind in available.items():
            if kind == "bounds":
                print(f"  {name:<30} {examples.summary(name)}")
        print("print one with `nsifit example NAME > my.yaml`, then edit it and pass my.yaml instead of NAME")
        return
    path = examples.path(args.name)
    if path is None:
        raise NsifitError(unknown("example", args.name, available))
    sys.stdout.write(path.read_text())
