"""The pipeline sketch of the book's landing page."""

from __future__ import annotations

from glasshelpers.figures.style import _fig_ax


PIPELINE_STEPS = (
    ("MD trajectories", "Kob-Andersen 80:20, N particles\n18 temperatures, frames every 1 tau"),
    ("Structure features", "G_A, G_B radial functions\n100 per A particle (t - 2 tau)"),
    ("Dynamics labels", "p_hop(t); softness: p_hop > p_c vs quiet\nfluidity: extreme tails q"),
    ("Linear SVMs", "softness at T = 0.45\nfluidity at T = 1.0 ... 2.0"),
    ("Transfer to T = 0.47", "b_best, sigma_alpha,\nx_alpha = (w.F + b_best)/sigma"),
    ("Kramers fits", "P_R(x_alpha, T) -> Delta_E, Sigma\nonset temperature"),
)


def data_flow_diagram(ax=None):
    """Schematic of the pipeline for the book's landing page.

    Trajectories feed two branches (structure features and p_hop labels) that join
    in the SVM training, followed by transfer to the T = 0.47 test set and the
    Kramers analysis. Drawn with matplotlib patches; returns the Figure.
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    fig, ax = _fig_ax(ax, figsize=(9.2, 3.6))
    ax.set_xlim(0, 9.1)
    ax.set_ylim(0, 4)
    ax.axis("off")
    w, h = 1.9, 1.2
    pos = {0: (0.15, 1.4), 1: (2.45, 2.55), 2: (2.45, 0.25), 3: (4.75, 1.4), 4: (7.0, 2.55), 5: (7.0, 0.25)}
    colors = ("#deebf7", "#e5f5e0", "#fee6ce", "#efedf5", "#fde0dd", "#f0f0f0")
    centers = {}
    for k, ((title, body), c) in enumerate(zip(PIPELINE_STEPS, colors)):
        x, y = pos[k]
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.05,rounding_size=0.12",
                                    fc=c, ec="0.3", lw=1.0))
        ax.text(x + w / 2, y + h - 0.25, title, ha="center", va="center", fontsize=9, fontweight="bold")
        ax.text(x + w / 2, y + 0.42, body, ha="center", va="center", fontsize=6.5)
        centers[k] = (x, y)

    def arrow(a, b, from_side="right", to_side="left"):
        xa, ya = centers[a]
        xb, yb = centers[b]
        p = {"right": (xa + w, ya + h / 2), "bottom": (xa + w / 2, ya), "top": (xa + w / 2, ya + h)}[from_side]
        q = {"left": (xb, yb + h / 2), "top": (xb + w / 2, yb + h), "bottom": (xb + w / 2, yb)}[to_side]
        ax.add_patch(FancyArrowPatch(p, q, arrowstyle="-|>", mutation_scale=12, lw=1.2, color="0.25",
                                     shrinkA=2, shrinkB=2))

    arrow(0, 1)
    arrow(0, 2)
    arrow(1, 3)
    arrow(2, 3)
    arrow(3, 4)
    arrow(4, 5, "bottom", "top")
    return fig
