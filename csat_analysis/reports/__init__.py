"""The reports: one module per notebook, on top of the statistics and the plots.

Each report object turns results into what a reader sees — ``sentences()``
(plain-language takeaways), ``summary()`` (the headline numbers for the
batch index), tables (escaped HTML from :mod:`csat_analysis.display`) and
figures (:mod:`csat_analysis.plots`) — and holds no statistics of its own:

=====================  ==========================  ===============================
module                 notebook                    built from
=====================  ==========================  ===============================
``overview``           ``overview.ipynb``          metrics, crosstab, weighting
``trends``             ``trends.ipynb``            trends
``correlations``       ``correlations.ipynb``      correlation
``campaign``           ``campaign_effects.ipynb``  effects, balance
``drivers``            ``drivers.ipynb``           keydrivers
``comments``           ``comments.ipynb``          comments
``health``             ``health.ipynb``            health
=====================  ==========================  ===============================

The renderer (:mod:`csat_analysis.render`) runs the notebooks; nothing here
imports it.
"""

__all__: list[str] = []  # the report modules are imported by name (csat_analysis.reports.overview, ...)
