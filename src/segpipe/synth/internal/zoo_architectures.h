// Internal to synth/: the zoo's architecture definitions. Each adds its layers to a graph that
// holds only the input node and ends with the softmax over `classes`. Conventions shared by
// all: `Bn::kFoldedIntoBiaslessConv` marks a conv followed by batch normalization in the
// original (see zoo_graph.h), names follow the original's layer names where it has them.
#ifndef SEGPIPE_SYNTH_INTERNAL_ZOO_ARCHITECTURES_H_
#define SEGPIPE_SYNTH_INTERNAL_ZOO_ARCHITECTURES_H_

#include "segpipe/synth/internal/zoo_graph.h"

namespace segpipe::synth::internal {

// zoo_mobilenet_vgg.cc
void BuildMobileNetV1(ZooGraph& g, int classes);
void BuildMobileNetV2(ZooGraph& g, int classes);
void BuildVgg16(ZooGraph& g, int classes);
void BuildVgg19(ZooGraph& g, int classes);
void BuildSqueezeNet(ZooGraph& g, int classes);
// zoo_inception.cc
void BuildInceptionV1(ZooGraph& g, int classes);
void BuildInceptionV4(ZooGraph& g, int classes);
// zoo_resnet_densenet.cc
void BuildResNet50V1(ZooGraph& g, int classes);
void BuildResNet50V2(ZooGraph& g, int classes);
void BuildResNet152V2(ZooGraph& g, int classes);
void BuildDenseNet121(ZooGraph& g, int classes);

}  // namespace segpipe::synth::internal

#endif  // SEGPIPE_SYNTH_INTERNAL_ZOO_ARCHITECTURES_H_
