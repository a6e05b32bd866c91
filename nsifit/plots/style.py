"""The shared look of nsifit's figures: a colour-blind-safe palette, one (colour, line style) per
experiment, journal-size fonts.

Palette: Okabe and Ito, "Color Universal Design" (2008), as recommended by B. Wong, Nature Methods 8
(2011) 441; every pair below differs in colour or line style, so that no two experiments look alike in
a legend (a test checks it), and hue is never the only distinction.
"""

OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7"}
GREY, DARK_GREY = "0.45", "0.2"

# plugin -> (colour, line style, hatch used when the layer is drawn hatched, short legend label)
EXPERIMENTS = {
    "borexino_7be": (OKABE_ITO["vermillion"], "solid", None, "Borexino"),
    "na48_2": (OKABE_ITO["bluish_green"], "dashed", None, "NA48/2"),
    "na64_invisible": (OKABE_ITO["blue"], "dotted", None, "NA64"),
    "phi_beam_dump": (OKABE_ITO["sky_blue"], "dashed", None, "E774/E141"),
    "gm2_mu": (OKABE_ITO["reddish_purple"], "dashdot", "|||", r"$(g-2)_\mu$"),
    "solar_lma": (OKABE_ITO["orange"], "solid", "///", "LMA"),
    "na62_kmunu": (OKABE_ITO["orange"], "dashed", None, "NA62"),
    "babar_invisible": (OKABE_ITO["sky_blue"], "dashdot", None, "BaBar"),
    "cevns_coherent": (OKABE_ITO["bluish_green"], "solid", None, "COHERENT"),
    "bbn_neff": (GREY, "solid", None, "BBN"),
    "white_dwarf": (OKABE_ITO["orange"], "dotted", None, "white dwarfs"),
    "perturbativity": (DARK_GREY, "dotted", None, "perturbativity"),
    "ccfr_trident": (OKABE_ITO["black"], "dotted", None, "CCFR"),
    "belle2_invisible": (OKABE_ITO["blue"], "dashdot", None, "Belle II"),
    "babar_4mu": (OKABE_ITO["blue"], "solid", None, "BaBar 4mu"),
    "combined": (OKABE_ITO["black"], "solid", "\\\\", "combined"),
    "k_to_pi_zp": (OKABE_ITO["black"], "dashed", None, r"$K\to\pi Z'$"),
    "b_to_k_zp": (OKABE_ITO["vermillion"], "dashed", None, r"$B\to KZ'$"),
}
FALLBACK = tuple((colour, style) for style in ("dashdot", "dotted") for colour in
                 (OKABE_ITO["yellow"], GREY, OKABE_ITO["bluish_green"], OKABE_ITO["vermillion"]))
FILL_ALPHA = 0.13
CROWDED = 3                      # where this many filled regions overlap, they are hatched, not stacked

JOURNAL_RC = {"font.size": 8, "axes.labelsize": 9, "legend.fontsize": 6.2, "xtick.labelsize": 7.5,
              "ytick.labelsize": 7.5, "mathtext.fontset": "cm", "hatch.linewidth": 0.6, "font.family": "serif"}
