"""The products that pass between stages, one module per kind, each made by one stage and
read by the later ones:

* :mod:`.trajectories`: MD runs (stage 01 makes them; every stage reads them);
* :mod:`.banks`: p_hop and the feature banks (stage 02);
* :mod:`.labelled`: labelled training and test sets (stage 03; stage 07 makes its controls);
* :mod:`.classifiers`: the classifiers (stage 04; stage 07 trains its variants).

A product function reads by default; the stage that owns the product passes ``make=True``
(:mod:`.store`). A reader never computes: a missing product is an error naming the stage
that makes it. The workflow runs the stages in that order (the registry's ``needs``), so
no stage imports another stage: they meet here.
"""
