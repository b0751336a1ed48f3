"""Convolutional networks of the zoo, shapes only, named like torchvision's modules.

Each builder mirrors the reference definition layer by layer (torchvision for AlexNet, VGG,
ResNet and MobileNetV2; LeCun et al. 1998 with full C3 connectivity for LeNet-5) so that
MAC and parameter totals match the published ones and names match imported PyTorch models.
"""

from __future__ import annotations

from picojoule.workload.builder import Builder
from picojoule.workload.network import Network


def lenet5(batch: int = 1) -> Network:
    """LeNet-5 on 32x32 grey images: two 5x5 convs with 2x2 max pooling, three FC layers."""
    b = Builder("lenet-5", batch, (1, 32, 32))
    b.conv("conv1", 6, 5, bias=True)
    b.act("relu")
    b.pool("max_pool2d", "maxpool", 2, 2)
    b.conv("conv2", 16, 5, bias=True)
    b.act("relu_1")
    b.pool("max_pool2d_1", "maxpool", 2, 2)
    features = 16 * 5 * 5
    b.linear("fc1", batch, features, 120)
    b.vec("relu_2", "relu", batch * 120)
    b.linear("fc2", batch, 120, 84)
    b.vec("relu_3", "relu", batch * 84)
    b.linear("fc3", batch, 84, 10)
    return b.build(input_shape="1x32x32", source="LeCun et al. 1998 (ReLU, max pooling)")


def alexnet(batch: int = 1) -> Network:
    """torchvision's AlexNet (the one-GPU variant of Krizhevsky 2014, 61.1 M params)."""
    b = Builder("alexnet", batch, (3, 224, 224))
    convs = {0: (64, 11, 4, 2), 3: (192, 5, 1, 2), 6: (384, 3, 1, 1), 8: (256, 3, 1, 1),
             10: (256, 3, 1, 1)}
    for i in range(13):
        if i in convs:
            out, k, s, p = convs[i]
            b.conv(f"features.{i}", out, k, s, p, bias=True)
        elif i in (2, 5, 12):
            b.pool(f"features.{i}", "maxpool", 3, 2)
        else:
            b.act(f"features.{i}")
    b.global_pool("avgpool", 6)
    _classifier(b, 256 * 6 * 6, ((1, 4096), (4, 4096), (6, 1000)))
    return b.build(input_shape="3x224x224", source="torchvision.models.alexnet")


def _classifier(b: Builder, features: int, linears: tuple[tuple[int, int], ...]) -> None:
    c_in = features
    for k, (index, out) in enumerate(linears):
        b.linear(f"classifier.{index}", b.batch, c_in, out)
        if k < len(linears) - 1:
            b.vec(f"classifier.{index + 1}", "relu", b.batch * out)
        c_in = out


def vgg16(batch: int = 1) -> Network:
    """VGG-16 (configuration D of Simonyan & Zisserman), torchvision layout without BN."""
    b = Builder("vgg-16", batch, (3, 224, 224))
    cfg = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0]
    i = 0
    for width in cfg:
        if width == 0:
            b.pool(f"features.{i}", "maxpool", 2, 2)
            i += 1
        else:
            b.conv(f"features.{i}", width, 3, 1, 1, bias=True)
            b.act(f"features.{i + 1}")
            i += 2
    b.global_pool("avgpool", 7)
    _classifier(b, 512 * 7 * 7, ((0, 4096), (3, 4096), (6, 1000)))
    return b.build(input_shape="3x224x224", source="torchvision.models.vgg16")


def _resnet_stem(b: Builder) -> None:
    b.conv("conv1", 64, 7, 2, 3)
    b.norm("bn1")
    b.act("relu")
    b.pool("maxpool", "maxpool", 3, 2, 1)


def _block(b: Builder, prefix: str, widths: tuple[int, ...], stride: int, out: int) -> None:
    """A basic (two 3x3) or bottleneck (1x1, 3x3, 1x1) block with the torchvision names."""
    entry, entry_shape = b.last, b.shape
    kernels = (3, 3) if len(widths) == 2 else (1, 3, 1)
    for k, (width, kernel) in enumerate(zip(widths, kernels, strict=True)):
        conv_stride = stride if k == (0 if len(widths) == 2 else 1) else 1
        b.conv(f"{prefix}.conv{k + 1}", width, kernel, conv_stride, kernel // 2)
        b.norm(f"{prefix}.bn{k + 1}")
        if k < len(widths) - 1:
            b.act(f"{prefix}.relu" + (f"_{k}" if k else ""))
    main, main_shape = b.last, b.shape
    shortcut = entry
    if stride != 1 or entry_shape[0] != out:
        b.shape = entry_shape
        b.last = entry
        b.conv(f"{prefix}.downsample.0", out, 1, stride)
        shortcut = b.norm(f"{prefix}.downsample.1")
    b.shape, b.last = main_shape, main
    b.residual(f"{prefix}.add", shortcut)
    b.act(f"{prefix}.relu_{len(widths) - 1}")


def _resnet(name: str, batch: int, blocks: tuple[int, ...], bottleneck: bool) -> Network:
    b = Builder(name, batch, (3, 224, 224))
    _resnet_stem(b)
    for stage, count in enumerate(blocks):
        width = 64 * 2 ** stage
        out = width * 4 if bottleneck else width
        widths = (width, width, out) if bottleneck else (width, width)
        for i in range(count):
            stride = 2 if (i == 0 and stage > 0) else 1
            _block(b, f"layer{stage + 1}.{i}", widths, stride, out)
    b.global_pool("avgpool")
    b.linear("fc", batch, b.shape[0], 1000)
    return b.build(input_shape="3x224x224", source=f"torchvision.models.{name.replace('-', '')}")


def resnet18(batch: int = 1) -> Network:
    """ResNet-18 (He et al. 2016), torchvision layout."""
    return _resnet("resnet-18", batch, (2, 2, 2, 2), bottleneck=False)


def resnet50(batch: int = 1) -> Network:
    """ResNet-50 v1.5 (stride in the 3x3 conv), torchvision layout."""
    return _resnet("resnet-50", batch, (3, 4, 6, 3), bottleneck=True)


def _cna(b: Builder, prefix: str, out: int, kernel: int, stride: int = 1,
         groups: int = 1) -> None:
    """torchvision's Conv2dNormActivation: conv, BN, ReLU6 as ``prefix.0/1/2``."""
    b.conv(f"{prefix}.0", out, kernel, stride, (kernel - 1) // 2, groups=groups)
    b.norm(f"{prefix}.1")
    b.act(f"{prefix}.2", "relu6")


def mobilenet_v2(batch: int = 1) -> Network:
    """MobileNetV2 (Sandler et al. 2018), width 1.0, torchvision layout."""
    b = Builder("mobilenet-v2", batch, (3, 224, 224))
    _cna(b, "features.0", 32, 3, 2)
    settings = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1))
    index = 1
    for t, out, n, s in settings:
        for i in range(n):
            stride = s if i == 0 else 1
            prefix = f"features.{index}.conv"
            c_in = b.shape[0]
            entry = b.last
            hidden = c_in * t
            k = 0
            if t != 1:
                _cna(b, f"{prefix}.0", hidden, 1)
                k = 1
            _cna(b, f"{prefix}.{k}", hidden, 3, stride, groups=hidden)
            b.conv(f"{prefix}.{k + 1}", out, 1)
            b.norm(f"{prefix}.{k + 2}")
            if stride == 1 and c_in == out:
                b.residual(f"features.{index}.add", entry)
            index += 1
    _cna(b, "features.18", 1280, 1)
    b.global_pool("adaptive_avg_pool2d")
    b.linear("classifier.1", batch, 1280, 1000)
    return b.build(input_shape="3x224x224", source="torchvision.models.mobilenet_v2")
