"""Resampling clusters of the P_R counts (glasshelpers.core.barriers.rearrangement)."""

import numpy as np
import pytest


def test_cluster_ids_number_each_replicas_clusters_after_the_previous_ones():
    from glasshelpers.core.barriers.rearrangement import cluster_ids
    a = {"particle": np.array([5, 5, 6]), "blocks": np.array([0, 0, 2]), "time_blocks": np.array([1, 1, 1])}
    b = {"particle": np.array([1, 2]), "blocks": np.array([1, 0]), "time_blocks": np.array([0, 3])}
    ids, n = cluster_ids([a, b], "block")
    assert ids.tolist() == [0, 0, 2, 4, 3] and n == 5
    ids, n = cluster_ids([a, b], "iid")
    assert ids.tolist() == [0, 1, 2, 3, 4] and n == 5
    ids, n = cluster_ids([a, b], "time")
    assert ids.tolist() == [1, 1, 1, 2, 5] and n == 6
    with pytest.raises(ValueError, match="resampling mode 'blok'"):
        cluster_ids([a], "blok")
