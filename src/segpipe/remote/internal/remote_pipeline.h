// RemotePipeline: the coordinator of a pipeline whose stages run on stage hosts.
//
//   RunConfig config;
//   config.devices = "cpu:1@10.0.0.2:7070,cpu:1@10.0.0.3:7070";
//   config.remote = RemotePipelineFactoryFor(ClientSecurity{.token = token});
//   SEGPIPE_ASSIGN_OR_RETURN(RunReport report, RunPipeline(model, config));
//
// Consecutive stages on one host form one hop: the host gets that hop's segment (TFLite bytes
// and their SHA-256) and runs its stages in process. The coordinator feeds the first hop and
// collects from the last; hosts stream to each other directly. Inputs carry sequence numbers
// and leave in order. Flow control: a sender never has more than queue_capacity frames its
// receiver has not credited, so frames in flight stay bounded whatever the batch.
//
// Failures: the first error (a device, a host or a link) is recorded with the first input that
// has no result (sequence k). Pop then returns that error for k and every accepted input after
// it. On a lost stream the coordinator asks every host whether it still answers and names the
// first that does not, so the message says which HOST:PORT failed and from which input on.
//
// Thread-safety: as Pipeline: Push/CloseInput from one thread, Pop from another, Stop from any.
#ifndef SEGPIPE_REMOTE_INTERNAL_REMOTE_PIPELINE_H_
#define SEGPIPE_REMOTE_INTERNAL_REMOTE_PIPELINE_H_

#include <chrono>
#include <memory>

#include "segpipe/pipeline/internal/stream_pipeline.h"
#include "segpipe/remote/internal/transport.h"

namespace segpipe::remote {

struct CoordinatorOptions {
  ClientSecurity security;
  std::chrono::milliseconds connect_timeout{5000};  // Info on each host before loading
  std::chrono::milliseconds load_timeout{120000};   // one segment's upload and preparation
  std::chrono::milliseconds check_timeout{2000};    // each host's health check on a failure
};

StatusOr<std::unique_ptr<StreamPipeline>> CreateRemotePipeline(const RemoteRunRequest& request,
                                                               const CoordinatorOptions& options);

RemotePipelineFactory RemotePipelineFactoryFor(CoordinatorOptions options);

}  // namespace segpipe::remote

#endif  // SEGPIPE_REMOTE_INTERNAL_REMOTE_PIPELINE_H_
