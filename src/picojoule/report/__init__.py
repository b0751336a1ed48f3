"""Reports of analyses: plot data computed apart from drawing; HTML with inline SVG."""

from picojoule.report.html import PlotData, plot_data, render_html, write_report

__all__ = ["PlotData", "plot_data", "render_html", "write_report"]
