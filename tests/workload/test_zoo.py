"""Zoo totals against published figures (sources beside each number, not the code's output)."""

from __future__ import annotations

import pytest

from picojoule.errors import SpecError
from picojoule.importers import load_model
from picojoule.workload import Network, Node, VectorOp, footprint, zoo

# name -> (published MACs or None, source; published params, source)
PUBLISHED = {
    # torchvision model docs ("GFLOPS" column = multiply-accumulates; "Params" column)
    "alexnet": (0.71e9, 61_100_840),  # torchvision AlexNet_Weights.IMAGENET1K_V1
    "vgg-16": (15.47e9, 138_357_544),  # torchvision VGG16_Weights.IMAGENET1K_V1
    "resnet-18": (1.81e9, 11_689_512),  # torchvision ResNet18_Weights.IMAGENET1K_V1
    "resnet-50": (4.09e9, 25_557_032),  # torchvision ResNet50_Weights.IMAGENET1K_V1
    "mobilenet-v2": (0.30e9, 3_504_872),  # torchvision MobileNet_V2_Weights.IMAGENET1K_V1
    "vit-b-16": (17.56e9, 86_567_656),  # torchvision ViT_B_16_Weights.IMAGENET1K_V1
    "bert-base": (None, 110e6),  # Devlin et al. 2019, BERT-BASE: "Total Parameters=110M"
    "gpt-2": (None, 124e6),  # huggingface.co/gpt2 model card: "the smallest version, 124M"
    "llama-2-7b": (None, 6.7e9),  # Touvron et al. 2023 / HF card: 7B checkpoint, 6.74 B
    "llama-2-70b": (None, 69e9),  # Touvron et al. 2023 / HF card: 70B checkpoint, 68.98 B
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_totals_match_published_within_one_percent(name: str) -> None:
    net = zoo.build(name)
    macs, params = PUBLISHED[name]
    assert net.params == pytest.approx(params, rel=0.01)
    if macs is not None:
        assert net.macs == pytest.approx(macs, rel=0.01)


def test_bert_large_close_to_paper() -> None:
    # Devlin et al. 2019: BERT-LARGE "Total Parameters=340M" (rounded; the released
    # checkpoint with pooler has 335 M, 1.4 % below)
    assert zoo.build("bert-large").params == pytest.approx(340e6, rel=0.02)


def test_lenet5_hand_count() -> None:
    # LeCun et al. 1998 architecture with full C3: 156 + 2416 + 48120 + 10164 + 850 params;
    # MACs 6*28*28*25 + 16*10*10*150 + 400*120 + 120*84 + 84*10
    net = zoo.build("lenet-5")
    assert net.params == 156 + 2416 + 48120 + 10164 + 850
    assert net.macs == 6 * 28 * 28 * 25 + 16 * 10 * 10 * 150 + 400 * 120 + 120 * 84 + 84 * 10


def test_names_follow_torchvision_and_batch_scales() -> None:
    net = zoo.build("resnet-50", batch=4)
    names = [layer.name for layer in net.layers]
    assert names[:4] == ["conv1", "layer1.0.conv1", "layer1.0.conv2", "layer1.0.conv3"]
    assert "layer2.0.downsample.0" in names and names[-1] == "fc"
    assert net.macs == 4 * zoo.build("resnet-50").macs
    depthwise = zoo.build("mobilenet-v2").node("features.2.conv.1.0").op
    assert dict(depthwise.params)["groups"] == 96  # type: ignore[union-attr]


@pytest.mark.parametrize("spelling", ["ResNet_50", "resnet50", "RESNET-50", "Vit-B/16"])
def test_zoo_names_are_punctuation_insensitive(spelling: str) -> None:
    assert zoo.lookup(spelling).name in ("resnet-50", "vit-b-16")
    assert isinstance(load_model(spelling), Network)


def test_unknown_name_suggests_close_ones() -> None:
    with pytest.raises(SpecError) as info:
        load_model("resnet-51")
    assert "did you mean" in str(info.value) and "resnet-50" in str(info.value)
    assert len(info.value.problems) == 1


def test_footprint_70b_params() -> None:
    # "70 B parameters take 140 GB at FP16, 70 GB at FP8, 35 GB at INT4" (2 / 1 / 0.5 B/param)
    nominal = Network("70b", (Node(VectorOp("w", "embedding", 1), (), 70_000_000_000),))
    rows = {r.precision: r.weight_bytes for r in footprint(nominal)}
    assert (rows["FP16"], rows["FP8"], rows["INT4"]) == (140e9, 70e9, 35e9)
    real = {r.precision: r for r in footprint(zoo.build("llama-2-70b"))}
    assert real["FP16"].weight_bytes == pytest.approx(140e9, rel=0.02)


def test_kv_cache_bytes_per_token_gqa() -> None:
    # LLaMA-2-70B config: 80 layers, 8 KV heads (GQA), head dim 8192/64 = 128;
    # K and V at FP16: 2 * 80 * 8 * 128 * 2 B = 327,680 B/token (320 KiB)
    net = zoo.build("llama-2-70b", phase="decode", kv_len=4096)
    assert net.info["kv_cache_bytes_per_token"] == 2 * 80 * 8 * 128 * 2 == 327_680
    fp16 = {r.precision: r for r in footprint(net)}["FP16"]
    assert fp16.kv_cache_bytes == 327_680 * 4096
    # LLaMA-2-7B has no GQA: 2 * 32 layers * 32 heads * 128 * 2 B = 512 KiB/token
    assert zoo.build("llama-2-7b").info["kv_cache_bytes_per_token"] == 524_288


def test_decode_reads_kv_cache_as_an_operand() -> None:
    net = zoo.build("llama-2-70b", batch=2, phase="decode", kv_len=1000)
    scores = net.node("model.layers.0.self_attn.scores").op
    context = net.node("model.layers.0.self_attn.context").op
    # batch x KV heads, 64/8 = 8 query heads stacked, 1000 cached positions, head dim 128
    assert scores.bound == {"B": 2 * 8, "M": 8, "N": 1000, "K": 128}  # type: ignore[union-attr]
    k_cache_values = 2 * 8 * 1000 * 128
    assert scores.size("weights") == k_cache_values  # type: ignore[union-attr]
    assert context.size("weights") == k_cache_values  # type: ignore[union-attr]
    q_proj = net.node("model.layers.0.self_attn.q_proj").op
    assert q_proj.bound["N"] == 2  # one token per sequence  # type: ignore[union-attr]


def test_cnn_rejects_phase_options() -> None:
    with pytest.raises(SpecError):
        zoo.build("alexnet", phase="decode")
