// segpipe's public C++ API: everything a program needs to read a model, plan a split over
// devices, run it as a pipeline, simulate it and write its segments.
//
//   #include <segpipe/segpipe.h>
//
//   SEGPIPE_ASSIGN_OR_RETURN(segpipe::api::Model model, segpipe::api::Model::Load("m.tflite"));
//   segpipe::api::Planner planner({.devices = "cpu:2"});
//   SEGPIPE_ASSIGN_OR_RETURN(segpipe::api::Plan plan, planner.MakePlan(model));
//   SEGPIPE_ASSIGN_OR_RETURN(auto runner, segpipe::api::PipelinedModelRunner::Create(model, plan));
//   runner->Push(inputs); ... runner->Pop(&outputs); ... runner->Finish();
//
// These headers use only the standard library and segpipe's own Status, Model and Device types:
// no flatbuffers, nlohmann::json or CLI11. With CMake: find_package(segpipe CONFIG) and link
// segpipe::segpipe.
#ifndef SEGPIPE_SEGPIPE_H_
#define SEGPIPE_SEGPIPE_H_

#include "segpipe/api/model.h"
#include "segpipe/api/plan.h"
#include "segpipe/api/runner.h"
#include "segpipe/api/version.h"

#endif  // SEGPIPE_SEGPIPE_H_
