#!/usr/bin/python3
"""Draws the figures of `segpipe paper` from the CSV files it wrote.

Usage: /usr/bin/python3 scripts/plot_paper.py --dir OUT [--figures fig2,fig4,fig5,fig6]

Reads fig2_fc.csv, fig2_conv.csv, runs.csv and measured_pipelines.csv from OUT and writes
fig2.png, fig4.png, fig5.png and fig6.png there. Lines are our model (simulated); markers are
the authors' measurements. Uses only the standard library and matplotlib (Debian package).
"""
import argparse
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

DPI = 80
COLORS = {1: "black", 2: "tab:blue", 3: "tab:orange", 4: "tab:green"}


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def number(text):
    return float(text) if text not in ("", None) else None


def fig2(out):
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
    for row, (family, name) in enumerate((("fc", "n"), ("conv", "f"))):
        rows = read_csv(os.path.join(out, f"fig2_{family}.csv"))
        macs = [float(r["macs"]) for r in rows]
        measured = [r for r in rows if r["measured_time_ms"] != ""]
        m_macs = [float(r["macs"]) for r in measured]
        ax = axes[row][0]
        ax.plot(macs, [float(r["time_ms"]) for r in rows], "-", label="model")
        ax.plot(m_macs, [float(r["measured_time_ms"]) for r in measured], "o", ms=3,
                mfc="none", label="measured")
        ax.set_yscale("log")
        ax.set_ylabel("inference time (ms)")
        ax = axes[row][1]
        ax.plot(macs, [float(r["on_chip_mib"]) for r in rows], "-", label="on-chip (model)")
        ax.plot(macs, [float(r["off_chip_mib"]) for r in rows], "-", label="off-chip (model)")
        ax.plot(m_macs, [float(r["measured_on_chip_mib"]) for r in measured], "o", ms=3,
                mfc="none", label="on-chip (measured)")
        ax.plot(m_macs, [float(r["measured_off_chip_mib"]) for r in measured], "s", ms=3,
                mfc="none", label="off-chip (measured)")
        ax.set_ylabel("MiB")
        ax = axes[row][2]
        ax.plot(macs, [float(r["gops"]) for r in rows], "-", label="model")
        ax.plot(m_macs, [float(r["measured_gops"]) for r in measured], "o", ms=3, mfc="none",
                label="measured")
        ax.set_ylabel("GOPS")
        for ax in axes[row]:
            ax.set_xlabel("MACs")
            ax.set_title(f"{family.upper()} ({name} sweep), one Edge TPU", fontsize=10)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig2.png"), dpi=DPI)
    plt.close(fig)


def runs_by(runs, family, host, split):
    """{tpus: (sizes, rows)} of one family/host; tpus 1 is the single TPU."""
    series = {}
    for r in runs:
        if r["family"] != family or r["host"] != host:
            continue
        if r["split"] not in (split, "single"):
            continue
        series.setdefault(int(r["tpus"]), []).append(r)
    for rows in series.values():
        rows.sort(key=lambda r: int(r["size"]))
    return series


def measured_series(measured, family, tpus, batch):
    rows = [m for m in measured if m["family"] == family and int(m["tpus"]) == tpus
            and int(m["batch"]) == batch]
    return [int(m["size"]) for m in rows], [float(m["time_ms"]) for m in rows]


def time_figure(out, runs, measured, split, column, batch, name, title):
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, family, size_name in ((axes[0], "FC", "n"), (axes[1], "CONV", "f")):
        for tpus, rows in sorted(runs_by(runs, family, "paper", split).items()):
            label = "1 TPU" if tpus == 1 else f"{tpus} TPUs"
            ax.plot([int(r["size"]) for r in rows], [float(r[column]) for r in rows], "-",
                    color=COLORS.get(tpus), label=label)
        for tpus in (1, 2, 3, 4):
            sizes, times = measured_series(measured, family, tpus, batch)
            if tpus > 1 and sizes:
                what = "default split" if split != "default" else "measured"
                ax.plot(sizes, times, "o", ms=3, mfc="none", color=COLORS.get(tpus),
                        label=f"{tpus} TPUs measured" + (f" ({what})" if split != "default" else ""))
        ax.set_yscale("log")
        ax.set_xlabel(size_name)
        ax.set_ylabel("time per inference (ms)")
        ax.set_title(f"{family}: {title} (paper host profile)", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, name), dpi=DPI)
    plt.close(fig)


def fig6(out, runs):
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    for row, (family, size_name) in enumerate((("FC", "n"), ("CONV", "f"))):
        for col, split in enumerate(("default", "profiled")):
            ax = axes[row][col]
            for host, style in (("paper", "-"), ("native", "--")):
                for tpus, rows in sorted(runs_by(runs, family, host, split).items()):
                    if tpus == 1:
                        continue
                    ax.plot([int(r["size"]) for r in rows],
                            [float(r["speedup_batch"]) for r in rows], style,
                            color=COLORS.get(tpus), label=f"{tpus} TPUs ({host})")
            ax.axhline(1, color="gray", lw=0.8)
            ax.set_yscale("log")
            ax.set_xlabel(size_name)
            ax.set_ylabel("speedup over one TPU")
            ax.set_title(f"{family}, {split} split, B=50", fontsize=10)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig6.png"), dpi=DPI)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="output directory of segpipe paper")
    parser.add_argument("--figures", default="fig2,fig4,fig5,fig6")
    args = parser.parse_args()
    figures = set(args.figures.split(","))
    if "fig2" in figures:
        fig2(args.dir)
    if figures & {"fig4", "fig5", "fig6"}:
        runs = read_csv(os.path.join(args.dir, "runs.csv"))
        measured_path = os.path.join(args.dir, "measured_pipelines.csv")
        measured = read_csv(measured_path) if os.path.exists(measured_path) else []
        if "fig4" in figures:
            time_figure(args.dir, runs, measured, "default", "time_b1_ms", 1, "fig4.png",
                        "default split, B=1")
        if "fig5" in figures:
            time_figure(args.dir, runs, measured, "profiled", "time_batch_ms", 50, "fig5.png",
                        "profiled split, B=50")
        if "fig6" in figures:
            fig6(args.dir, runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
