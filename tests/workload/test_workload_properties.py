"""Properties over random layers: forms read back exactly; backward MACs = 2x forward."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from picojoule.workload import (
    Network,
    Node,
    VectorOp,
    backward_macs,
    bmm,
    conv2d,
    network_from_dict,
    network_from_text,
    network_to_dict,
    network_to_text,
    training_network,
)

small = st.integers(1, 6)


@st.composite
def networks(draw: st.DrawFn) -> Network:
    groups = draw(st.integers(1, 3))
    conv = conv2d(draw(small), groups * draw(small), groups * draw(small), draw(small),
                  draw(small), draw(small), draw(small), stride=draw(st.integers(1, 3)),
                  dilation=draw(st.integers(1, 2)), groups=groups, name="conv",
                  weight_bits=draw(st.integers(2, 16)))
    density = draw(st.floats(0.05, 1.0))
    conv = conv.with_bits(inputs=draw(st.integers(1, 32)))
    ops = tuple(o if o.name != "weights" else o.__class__(o.name, o.axes, o.bits, density)
                for o in conv.operands)
    conv = conv.__class__(conv.name, conv.kind, conv.dims, conv.bounds, ops, conv.params)
    att = bmm(draw(small), draw(small), draw(small), draw(small), name="att")
    nodes = (Node(conv, (), draw(st.integers(0, 999))),
             Node(VectorOp("act", "relu", draw(st.integers(1, 99))), ("conv",)),
             Node(att, ("act",)))
    return Network("random", nodes, (("batch", 1),))


@settings(max_examples=60, deadline=None)
@given(networks())
def test_forms_round_trip(net: Network) -> None:
    assert network_from_dict(network_to_dict(net)) == net
    assert network_from_text(network_to_text(net)).nodes == net.nodes
    train = training_network(net)
    assert network_from_dict(network_to_dict(train)) == train


@settings(max_examples=60, deadline=None)
@given(networks())
def test_backward_is_twice_forward(net: Network) -> None:
    train = training_network(net)
    assert backward_macs(train) == 2 * net.macs
    conv = net.layers[0]
    dx = train.node("conv.grad_input").op
    assert dx.size("outputs") == conv.size("inputs")  # type: ignore[union-attr]
