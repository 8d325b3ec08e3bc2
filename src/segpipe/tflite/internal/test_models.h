// Small hand-built models for the tflite layer's unit tests: a Model with one op of every
// mapped type and non-default options, so a round trip exercises every options table.
#ifndef SEGPIPE_TFLITE_INTERNAL_TEST_MODELS_H_
#define SEGPIPE_TFLITE_INTERNAL_TEST_MODELS_H_

#include <cstring>
#include <string>
#include <vector>

#include "segpipe/model/model.h"

namespace segpipe::testing_models {

inline int32_t AddTensor(Model& m, std::string name, DataType type, std::vector<int32_t> shape,
                         Quantization quant = {}) {
  Tensor t;
  t.name = std::move(name);
  t.type = type;
  t.shape = std::move(shape);
  t.quant = std::move(quant);
  m.tensors.push_back(std::move(t));
  return static_cast<int32_t>(m.tensors.size() - 1);
}

inline int32_t AddConstant(Model& m, std::string name, DataType type, std::vector<int32_t> shape,
                           Quantization quant = {}) {
  int32_t t = AddTensor(m, std::move(name), type, std::move(shape), std::move(quant));
  Tensor& tensor = m.tensor(t);
  tensor.is_constant = true;
  tensor.data.resize(static_cast<size_t>(tensor.num_bytes()));
  for (size_t i = 0; i < tensor.data.size(); ++i) tensor.data[i] = static_cast<uint8_t>(i * 7 + 3);
  return t;
}

inline int32_t AddInt32Constant(Model& m, std::string name, std::vector<int32_t> values) {
  int32_t t = AddConstant(m, std::move(name), DataType::kInt32, {static_cast<int32_t>(values.size())});
  std::memcpy(m.tensor(t).data.data(), values.data(), values.size() * sizeof(int32_t));
  return t;
}

inline void AddOp(Model& m, OpType type, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                  OpOptions options = {}) {
  Op op;
  op.type = type;
  op.inputs = std::move(inputs);
  op.outputs = std::move(outputs);
  op.options = std::move(options);
  m.ops.push_back(std::move(op));
}

// A chain through every mapped op type (shapes are plausible, not all exact: the file format
// does not care) plus an unknown builtin and a custom op, each with non-default options.
// builtin_code fields are left at -1 except for the unknown/custom ops: the reader fills them,
// so compare with FillBuiltinCodes applied.
inline Model AllOpsModel() {
  Model m;
  m.description = "every mapped op";
  const Quantization q8{{0.5f}, {-3}, 0};
  const Quantization qu8{{0.25f}, {128}, 0};
  int32_t x = AddTensor(m, "input", DataType::kInt8, {1, 8, 8, 4}, q8);
  m.inputs.push_back(x);
  auto next = [&](const std::string& name, std::vector<int32_t> shape = {1, 8, 8, 4}) {
    return AddTensor(m, name, DataType::kInt8, std::move(shape), q8);
  };
  OpOptions conv;
  conv.padding = Padding::kValid;
  conv.stride_w = 2;
  conv.stride_h = 3;
  conv.dilation_w = 2;
  conv.dilation_h = 1;
  conv.activation = Activation::kRelu6;
  int32_t w = AddConstant(m, "conv/w", DataType::kInt8, {4, 3, 3, 4},
                          Quantization{{0.1f, 0.2f, 0.3f, 0.4f}, {0, 0, 0, 0}, 0});
  int32_t b = AddConstant(m, "conv/b", DataType::kInt32, {4}, Quantization{{0.05f, 0.1f, 0.15f, 0.2f}, {0, 0, 0, 0}, 0});
  int32_t y = next("conv");
  AddOp(m, OpType::kConv2D, {x, w, b}, {y}, conv);

  OpOptions dw = conv;
  dw.depth_multiplier = 2;
  dw.activation = Activation::kRelu;
  int32_t dw_w = AddConstant(m, "dw/w", DataType::kInt8, {1, 3, 3, 4},
                             Quantization{{0.1f, 0.2f, 0.3f, 0.4f}, {0, 0, 0, 0}, 3});
  int32_t y2 = next("dw");
  AddOp(m, OpType::kDepthwiseConv2D, {y, dw_w, -1}, {y2}, dw);

  OpOptions add;
  add.activation = Activation::kReluN1To1;
  int32_t y3 = next("add");
  AddOp(m, OpType::kAdd, {y, y2}, {y3}, add);  // residual: reads y again
  int32_t y4 = next("mul");
  OpOptions mul;
  mul.activation = Activation::kTanh;
  AddOp(m, OpType::kMul, {y3, y2}, {y4}, mul);
  int32_t y5 = next("sub");
  OpOptions sub;
  sub.activation = Activation::kSignBit;
  AddOp(m, OpType::kSub, {y4, y3}, {y5}, sub);

  OpOptions pool;
  pool.padding = Padding::kValid;
  pool.stride_w = 2;
  pool.stride_h = 2;
  pool.filter_w = 3;
  pool.filter_h = 2;
  pool.activation = Activation::kRelu;
  int32_t y6 = next("avgpool", {1, 4, 4, 4});
  AddOp(m, OpType::kAveragePool2D, {y5}, {y6}, pool);
  pool.filter_w = 2;
  int32_t y7 = next("maxpool", {1, 2, 2, 4});
  AddOp(m, OpType::kMaxPool2D, {y6}, {y7}, pool);

  int32_t pads = AddInt32Constant(m, "pad/paddings", {0, 0, 1, 1, 1, 1, 0, 0});
  int32_t y8 = next("pad", {1, 4, 4, 4});
  AddOp(m, OpType::kPad, {y7, pads}, {y8});
  int32_t perm = AddInt32Constant(m, "transpose/perm", {0, 2, 1, 3});
  int32_t y9 = next("transpose", {1, 4, 4, 4});
  AddOp(m, OpType::kTranspose, {y8, perm}, {y9});

  OpOptions resize;
  resize.align_corners = false;
  resize.half_pixel_centers = true;
  int32_t size = AddInt32Constant(m, "resize/size", {8, 8});
  int32_t y10 = next("resize");
  AddOp(m, OpType::kResizeBilinear, {y9, size}, {y10}, resize);

  int32_t split_axis = AddInt32Constant(m, "split/axis", {3});
  m.tensor(split_axis).shape = {};  // scalar
  OpOptions split;
  split.num_splits = 2;
  split.axis = 3;  // what the reader copies from input 0
  int32_t s0 = next("split0", {1, 8, 8, 2});
  int32_t s1 = next("split1", {1, 8, 8, 2});
  AddOp(m, OpType::kSplit, {split_axis, y10}, {s0, s1}, split);
  OpOptions concat;
  concat.axis = 3;
  concat.activation = Activation::kRelu;
  int32_t y11 = next("concat");
  AddOp(m, OpType::kConcatenation, {s1, s0}, {y11}, concat);

  int32_t hs = next("hardswish");
  AddOp(m, OpType::kHardSwish, {y11}, {hs});
  int32_t relu = next("relu");
  AddOp(m, OpType::kRelu, {hs}, {relu});
  int32_t relu6 = next("relu6");
  AddOp(m, OpType::kRelu6, {relu}, {relu6});
  int32_t lg = next("logistic");
  AddOp(m, OpType::kLogistic, {relu6}, {lg});
  int32_t th = next("tanh");
  AddOp(m, OpType::kTanh, {lg}, {th});

  int32_t axes = AddInt32Constant(m, "mean/axes", {1, 2});
  OpOptions mean;
  mean.keep_dims = true;
  int32_t y12 = next("mean", {1, 1, 1, 4});
  AddOp(m, OpType::kMean, {th, axes}, {y12}, mean);
  OpOptions sq;
  sq.squeeze_dims = {1, 2};
  int32_t y13 = next("squeeze", {1, 4});
  AddOp(m, OpType::kSqueeze, {y12}, {y13}, sq);
  OpOptions fc;
  fc.activation = Activation::kRelu;
  fc.keep_dims = true;
  int32_t fc_w = AddConstant(m, "fc/w", DataType::kInt8, {6, 4}, Quantization{{0.02f}, {0}, 0});
  int32_t y14 = next("fc", {1, 6});
  AddOp(m, OpType::kFullyConnected, {y13, fc_w, -1}, {y14}, fc);
  OpOptions reshape;
  reshape.new_shape = {1, 2, 3};
  int32_t shape = AddInt32Constant(m, "reshape/shape", {1, 2, 3});
  int32_t y15 = next("reshape", {1, 2, 3});
  AddOp(m, OpType::kReshape, {y14, shape}, {y15}, reshape);
  OpOptions softmax;
  softmax.beta = 0.75f;
  int32_t y16 = next("softmax", {1, 2, 3});
  AddOp(m, OpType::kSoftmax, {y15}, {y16}, softmax);
  int32_t deq = AddTensor(m, "dequantize", DataType::kFloat32, {1, 2, 3});
  AddOp(m, OpType::kDequantize, {y16}, {deq});
  int32_t quant = AddTensor(m, "quantize", DataType::kUInt8, {1, 2, 3}, qu8);
  AddOp(m, OpType::kQuantize, {deq}, {quant});
  int32_t am_axis = AddInt32Constant(m, "argmax/axis", {2});
  OpOptions argmax;
  argmax.output_type = DataType::kInt32;
  argmax.axis = 2;  // what the reader copies from input 1
  int32_t am = AddTensor(m, "argmax", DataType::kInt32, {1, 2});
  AddOp(m, OpType::kArgMax, {quant, am_axis}, {am}, argmax);

  // An op we do not map (GATHER, code 36) and one whose code only fits builtin_code (150).
  int32_t g = AddTensor(m, "gather", DataType::kUInt8, {1, 2, 3}, qu8);
  AddOp(m, OpType::kUnknownBuiltin, {quant, am}, {g});
  m.ops.back().builtin_code = 36;
  m.ops.back().version = 2;
  int32_t big = AddTensor(m, "bigcode", DataType::kUInt8, {1, 2, 3}, qu8);
  AddOp(m, OpType::kUnknownBuiltin, {g}, {big});
  m.ops.back().builtin_code = 150;
  int32_t custom = AddTensor(m, "custom", DataType::kUInt8, {1, 2, 3}, qu8);
  AddOp(m, OpType::kCustom, {big}, {custom});
  m.ops.back().builtin_code = 32;
  m.ops.back().custom_code = "my-custom-op";
  m.ops.back().custom_options = {1, 2, 3, 4, 5};
  m.outputs = {custom, am};
  return m;
}

// Builtin codes as the reader reports them (it fills builtin_code for every op).
inline void FillBuiltinCodes(Model& m, int32_t (*code_of)(OpType)) {
  for (Op& op : m.ops)
    if (op.type != OpType::kUnknownBuiltin && op.type != OpType::kCustom)
      op.builtin_code = code_of(op.type);
}

}  // namespace segpipe::testing_models

#endif  // SEGPIPE_TFLITE_INTERNAL_TEST_MODELS_H_
