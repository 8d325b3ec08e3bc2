// The stage host: sessions, the frame loop of one hop, probes (stage_host.h).
#include "segpipe/remote/internal/stage_host.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "segpipe/core/internal/sha256.h"
#include "segpipe/device/internal/cpu_device.h"
#include "segpipe/device/internal/edgetpu_device.h"
#include "segpipe/pipeline/internal/bounded_queue.h"
#include "segpipe/pipeline/internal/pipeline.h"
#include "segpipe/remote/internal/probe.h"
#include "segpipe/remote/stage_host.grpc.pb.h"
#include "segpipe/tflite/internal/reader.h"

namespace segpipe::remote {
// Named, not anonymous: StageHost::Impl, which has external linkage, holds these.
namespace stage_host_detail {

// Slot offsets of a frame on the wire: the slots back to back, in order.
std::vector<int64_t> SlotOffsets(const google::protobuf::RepeatedField<int64_t>& bytes,
                                 int64_t* total) {
  std::vector<int64_t> offsets;
  int64_t at = 0;
  for (int64_t b : bytes) {
    offsets.push_back(at);
    at += b;
  }
  *total = at;
  return offsets;
}

// One loaded segment and the streams through it.
struct Session {
  std::string id;
  LoadRequest setup;  // without the segment bytes
  Model segment;
  std::unique_ptr<Pipeline> pipeline;
  std::vector<DeviceKind> reserved;
  std::vector<int64_t> in_offsets, out_offsets;
  int64_t in_bytes = 0, out_bytes = 0;
  int64_t created_ns = 0;
  std::vector<StageStats> final_stats;

  std::mutex mu;
  std::condition_variable cv;
  // Atomics: FreeDevices reads them under the sessions lock only.
  std::atomic<bool> streaming{false};  // a Stream call took it
  std::atomic<bool> ended{false};      // its stream is over; devices released
  // The last host's Collect call: the writer the frame loop sends results to, while it waits.
  grpc::ServerWriter<Frame>* collect = nullptr;
  bool collect_done = false;
};

// The request without its segment bytes, which may be hundreds of MiB: copying the whole message
// and clearing them after would hold them twice.
LoadRequest SetupOf(const LoadRequest& r) {
  LoadRequest s;
  s.set_session(r.session());
  *s.mutable_stages() = r.stages();
  *s.mutable_in_slot_bytes() = r.in_slot_bytes();
  *s.mutable_out_slot_bytes() = r.out_slot_bytes();
  *s.mutable_input_slots() = r.input_slots();
  *s.mutable_output_slots() = r.output_slots();
  *s.mutable_forwards() = r.forwards();
  s.set_downstream(r.downstream());
  s.set_downstream_session(r.downstream_session());
  s.set_queue_capacity(r.queue_capacity());
  s.set_edgetpu_compute(r.edgetpu_compute());
  s.set_address(r.address());
  return s;
}

}  // namespace stage_host_detail
using stage_host_detail::Session;
using stage_host_detail::SetupOf;
using stage_host_detail::SlotOffsets;

class StageHost::Impl final : public StageHostService::Service {
 public:
  explicit Impl(StageHostOptions options) : options_(std::move(options)) {}

  StageHostOptions options_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::mutex shutdown_mu_;
  bool shut_down_ = false;

  void Log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }

  grpc::Status Authenticate(grpc::ServerContext* context, std::string_view call) const {
    const auto& metadata = context->client_metadata();
    auto it = metadata.find("authorization");
    std::string_view given;
    if (it != metadata.end()) given = std::string_view(it->second.data(), it->second.size());
    const std::string expected = "Bearer " + options_.token;
    if (it != metadata.end() && TokensEqual(given, expected)) return grpc::Status::OK;
    Log(fmt::format("refused a {} call from {}: {}", call, context->peer(),
                    it == metadata.end() ? "no token" : "wrong token"));
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "the token is missing or wrong (check --token-file)");
  }

  // Devices not held by a session, of `kind`.
  int FreeDevices(DeviceKind kind) const {
    int n = static_cast<int>(std::count(options_.devices.begin(), options_.devices.end(), kind));
    for (const auto& [id, s] : sessions_)
      if (!s->ended) n -= static_cast<int>(std::count(s->reserved.begin(), s->reserved.end(), kind));
    return n;
  }

  void ReapIdleSessionsLocked() {
    const int64_t now = SteadyNowNs();
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      Session& s = *it->second;
      std::lock_guard lock(s.mu);
      const bool idle = now - s.created_ns >
                        std::chrono::nanoseconds(kIdleSessionTimeout).count();
      if (idle && (!s.streaming || s.ended)) {
        Log(fmt::format("session {} dropped: {}", s.id,
                        s.ended ? "ended and never finished" : "loaded but never streamed"));
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }

  bool DevicesFree(const std::vector<DeviceKind>& wanted) const {
    for (int k = 0; k < kNumDeviceKinds; ++k) {
      const DeviceKind kind = static_cast<DeviceKind>(k);
      if (std::count(wanted.begin(), wanted.end(), kind) > FreeDevices(kind)) return false;
    }
    return true;
  }

  // A coordinator that dies while it loads its hops leaves sessions that will never stream.
  // When their devices are wanted, those loaded more than kStaleLoadTimeout ago give them up
  // (a live coordinator streams right after its last Load).
  void EvictStaleLoadsLocked(const std::string& for_session) {
    const int64_t now = SteadyNowNs();
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      Session& s = *it->second;
      const bool stale = !s.streaming && now - s.created_ns >
                                             std::chrono::nanoseconds(kStaleLoadTimeout).count();
      if (stale) {
        Log(fmt::format("session {} dropped: loaded {:.1f} s ago and never streamed; its devices "
                        "go to session {}",
                        s.id, static_cast<double>(now - s.created_ns) / 1e9, for_session));
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::shared_ptr<Session> FindSession(const std::string& id) {
    std::lock_guard lock(sessions_mu_);
    auto it = sessions_.find(id);
    return it == sessions_.end() ? nullptr : it->second;
  }

  static std::string SessionOf(grpc::ServerContext* context) {
    const auto& metadata = context->client_metadata();
    auto it = metadata.find(kSessionHeader);
    return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
  }

  grpc::Status Info(grpc::ServerContext* context, const InfoRequest*, HostInfo* reply) override {
    if (grpc::Status s = Authenticate(context, "Info"); !s.ok()) return s;
    reply->set_version(SEGPIPE_VERSION_STRING);
    reply->set_max_segment_bytes(options_.max_segment_bytes);
    std::lock_guard lock(sessions_mu_);
    for (int k = 0; k < kNumDeviceKinds; ++k) {
      const DeviceKind kind = static_cast<DeviceKind>(k);
      const int n = static_cast<int>(
          std::count(options_.devices.begin(), options_.devices.end(), kind));
      if (n == 0) continue;
      DeviceCount* all = reply->add_devices();
      all->set_kind(std::string(DeviceKindName(kind)));
      all->set_count(n);
      DeviceCount* free = reply->add_free();
      free->set_kind(std::string(DeviceKindName(kind)));
      free->set_count(FreeDevices(kind));
    }
    return grpc::Status::OK;
  }

  StatusOr<std::shared_ptr<Session>> Prepare(const LoadRequest& request) {
    const std::string& bytes = request.segment_tflite();
    if (static_cast<int64_t>(bytes.size()) > options_.max_segment_bytes)
      return ResourceExhaustedError(fmt::format(
          "the segment has {:.2f} MiB, above this host's limit of {:.2f} MiB (serve "
          "--max-segment-mib)",
          static_cast<double>(bytes.size()) / (1 << 20),
          static_cast<double>(options_.max_segment_bytes) / (1 << 20)));
    const std::span<const uint8_t> span(reinterpret_cast<const uint8_t*>(bytes.data()),
                                        bytes.size());
    if (Sha256Hex(span) != request.segment_sha256())
      return DataLossError("the segment's bytes do not match their SHA-256 (damaged in transit)");
    if (request.session().empty()) return InvalidArgumentError("the session id is empty");
    if (request.stages().empty()) return InvalidArgumentError("the segment has no stages");
    auto session = std::make_shared<Session>();
    session->id = request.session();
    SEGPIPE_ASSIGN_OR_RETURN(session->segment, ReadTflite(span));
    const Model& segment = session->segment;
    session->setup = SetupOf(request);
    session->in_offsets = SlotOffsets(request.in_slot_bytes(), &session->in_bytes);
    session->out_offsets = SlotOffsets(request.out_slot_bytes(), &session->out_bytes);
    // The frames must agree with the segment: each input and output slot holds its tensor.
    auto check_slots = [&](const auto& slots, const auto& slot_bytes,
                           const std::vector<int32_t>& tensors, const char* what) -> Status {
      if (slots.size() != static_cast<int>(tensors.size()))
        return InvalidArgumentError(fmt::format("{} {} slots for a segment with {} {}s",
                                                slots.size(), what, tensors.size(), what));
      for (int i = 0; i < slots.size(); ++i) {
        const int slot = slots[i];
        if (slot < 0 || slot >= slot_bytes.size() ||
            slot_bytes[slot] != segment.tensor(tensors[static_cast<size_t>(i)]).num_bytes())
          return InvalidArgumentError(
              fmt::format("{} {} of the segment does not match its frame slot", what, i));
      }
      return OkStatus();
    };
    SEGPIPE_RETURN_IF_ERROR(
        check_slots(request.input_slots(), request.in_slot_bytes(), segment.inputs, "input"));
    SEGPIPE_RETURN_IF_ERROR(
        check_slots(request.output_slots(), request.out_slot_bytes(), segment.outputs, "output"));
    for (const Forward& f : request.forwards()) {
      const auto& src = f.from_out_edge() ? request.out_slot_bytes() : request.in_slot_bytes();
      if (f.src_slot() < 0 || f.src_slot() >= src.size() || f.dst_slot() < 0 ||
          f.dst_slot() >= request.out_slot_bytes().size() ||
          src[f.src_slot()] != request.out_slot_bytes()[f.dst_slot()])
        return InvalidArgumentError("a forwarded tensor does not match its frame slots");
    }
    // Devices: one per stage, of the kind asked, from those free.
    std::vector<int> last_ops;
    std::vector<std::unique_ptr<Device>> devices;
    auto host_lock = std::make_shared<SharedResource>();
    auto host_link = std::make_shared<SharedResource>();
    for (const StageSetup& stage : request.stages()) {
      SEGPIPE_ASSIGN_OR_RETURN(DeviceKind kind, ParseDeviceKind(stage.kind()));
      session->reserved.push_back(kind);
      last_ops.push_back(stage.last_op());
      if (kind == DeviceKind::kCpu) {
        devices.push_back(std::make_unique<CpuDevice>());
        continue;
      }
      EdgeTpuDeviceOptions o;
      for (const PacedPhase& p : stage.phases()) {
        std::shared_ptr<SharedResource> resource;
        if (p.resource() == 0) resource = host_lock;
        if (p.resource() == 1) resource = host_link;
        o.phases.push_back(segpipe::PacedPhase{p.duration_ns(), std::move(resource)});
      }
      if (request.edgetpu_compute()) o.compute = std::make_unique<CpuDevice>();
      devices.push_back(std::make_unique<EdgeTpuDevice>(std::move(o)));
    }
    {
      std::lock_guard lock(sessions_mu_);
      ReapIdleSessionsLocked();
      if (sessions_.count(session->id) > 0)
        return FailedPreconditionError(fmt::format("session {} is already loaded", session->id));
      if (!DevicesFree(session->reserved)) EvictStaleLoadsLocked(session->id);
      for (int k = 0; k < kNumDeviceKinds; ++k) {
        const DeviceKind kind = static_cast<DeviceKind>(k);
        const int wanted = static_cast<int>(
            std::count(session->reserved.begin(), session->reserved.end(), kind));
        if (wanted > FreeDevices(kind))
          return ResourceExhaustedError(fmt::format(
              "the segment needs {} {} device(s) and this host has {} free (it serves {})",
              wanted, DeviceKindName(kind), FreeDevices(kind), FormatDeviceList(options_.devices)));
      }
      session->created_ns = SteadyNowNs();
      sessions_[session->id] = session;  // reserves the devices
    }
    PipelineOptions options;
    options.queue_capacity = std::max(1, request.queue_capacity());
    StatusOr<std::unique_ptr<Pipeline>> pipeline =
        Pipeline::Create(session->segment, last_ops, std::move(devices), options);
    if (!pipeline.ok()) {
      std::lock_guard lock(sessions_mu_);
      sessions_.erase(session->id);
      return pipeline.status();
    }
    session->pipeline = std::move(pipeline).value();
    return session;
  }

  grpc::Status Load(grpc::ServerContext* context, const LoadRequest* request,
                    LoadReply* reply) override {
    if (grpc::Status s = Authenticate(context, "Load"); !s.ok()) return s;
    StatusOr<std::shared_ptr<Session>> session = Prepare(*request);
    if (!session.ok()) {
      Log(fmt::format("refused a segment from {}: {}", context->peer(),
                      session.status().message()));
      return ToGrpc(session.status().WithContext(fmt::format("stage host {}", address_)));
    }
    std::string description;
    for (int i = 0; i < (*session)->pipeline->num_stages(); ++i)
      description += fmt::format("{}{}", i ? ", " : "", (*session)->pipeline->device(i).Describe());
    reply->set_description(description);
    Log(fmt::format("session {}: {} ops on {}", request->session(),
                    (*session)->segment.ops.size(), description));
    return grpc::Status::OK;
  }

  // Where one hop's results go: the next host's stream, or the last host's Collect call.
  class Downstream {
   public:
    Downstream(Impl& host, Session& session) : host_(host), session_(session) {}
    ~Downstream() {
      if (stream_) context_.TryCancel();
    }

    Status Open() {
      const std::string& next = session_.setup.downstream();
      if (next.empty()) {
        std::unique_lock lock(session_.mu);
        // The coordinator opens Collect before it starts streaming; allow for a slow start.
        if (!session_.cv.wait_for(lock, std::chrono::seconds(30),
                                  [&] { return session_.collect != nullptr; }))
          return DeadlineExceededError("the coordinator never asked for the results (Collect)");
        return OkStatus();
      }
      channel_ = MakeChannel(next, host_.options_.peers);
      stub_ = StageHostService::NewStub(channel_);
      PrepareContext(context_, host_.options_.peers, session_.setup.downstream_session());
      stream_ = stub_->Stream(&context_);
      credits_ = std::max(1, session_.setup.queue_capacity());
      return OkStatus();
    }

    // Sends one frame; waits for a credit first on a stream to the next host.
    Status Send(const Frame& frame) {
      if (!stream_) {
        std::lock_guard lock(session_.mu);
        if (session_.collect == nullptr || !session_.collect->Write(frame))
          return UnavailableError("the coordinator's Collect call went away");
        return OkStatus();
      }
      while (credits_ == 0) {
        Credit credit;
        if (!stream_->Read(&credit)) return Broken();
        if (credit.error_code() != 0) return StatusFromWire(credit.error_code(), credit.error());
        credits_ += credit.frames();
      }
      if (!stream_->Write(frame)) return Broken();
      --credits_;
      return OkStatus();
    }

    // End of stream: the next host (or the coordinator) has everything.
    Status Close() {
      if (!stream_) {
        std::lock_guard lock(session_.mu);
        session_.collect_done = true;
        session_.cv.notify_all();
        return OkStatus();
      }
      stream_->WritesDone();
      // Drain credits so Finish sees the server's status.
      Credit credit;
      Status error;
      while (stream_->Read(&credit))
        if (credit.error_code() != 0 && error.ok())
          error = StatusFromWire(credit.error_code(), credit.error());
      grpc::Status status = stream_->Finish();
      stream_.reset();
      if (!status.ok()) return Described(FromGrpc(status));
      return error;
    }

    void Cancel() {
      if (stream_) context_.TryCancel();
      std::lock_guard lock(session_.mu);
      session_.collect_done = true;
      session_.cv.notify_all();
    }

   private:
    Status Broken() {
      grpc::Status status = stream_->Finish();
      stream_.reset();
      return Described(status.ok() ? UnavailableError("the stream ended early")
                                    : FromGrpc(status));
    }
    Status Described(const Status& s) const {
      return Status(s.code(), fmt::format("the next stage host {} failed: {}",
                                          session_.setup.downstream(), s.message()));
    }

    Impl& host_;
    Session& session_;
    std::shared_ptr<grpc::Channel> channel_;
    std::unique_ptr<StageHostService::Stub> stub_;
    grpc::ClientContext context_;
    std::unique_ptr<grpc::ClientReaderWriter<Frame, Credit>> stream_;
    int64_t credits_ = 0;
  };

  grpc::Status Stream(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<Credit, Frame>* upstream) override {
    if (grpc::Status s = Authenticate(context, "Stream"); !s.ok()) return s;
    std::shared_ptr<Session> session = FindSession(SessionOf(context));
    if (!session)
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          fmt::format("stage host {}: no session '{}' (load it first)", address_,
                                      SessionOf(context)));
    {
      std::lock_guard lock(session->mu);
      if (session->streaming || session->ended)
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            fmt::format("stage host {}: session {} is already streaming",
                                        address_, session->id));
      session->streaming = true;
    }
    grpc::Status result = RunHop(context, upstream, *session);
    {
      std::lock_guard lock(session->mu);
      session->final_stats = session->pipeline->Stats().stages;
      session->pipeline.reset();  // joins and frees the devices
      session->ended = true;
      session->collect_done = true;
      session->cv.notify_all();
    }
    Log(fmt::format("session {} ended: {}", session->id,
                    result.ok() ? std::string("ok") : result.error_message()));
    return result;
  }

  // The frame loop of one hop: this thread reads frames from upstream into the segment's
  // pipeline and credits them; a sender thread takes results out, adds the forwarded tensors and
  // sends them on. Frames in flight here are bounded by the pipeline's pools and the pending
  // queue below, so memory does not grow with the stream.
  grpc::Status RunHop(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<Credit, Frame>* upstream, Session& session) {
    Pipeline& pipeline = *session.pipeline;
    const LoadRequest& setup = session.setup;
    std::mutex upstream_write_mu;  // the credit writes of both threads
    Downstream downstream(*this, session);
    if (Status s = downstream.Open(); !s.ok())
      return ToGrpc(s.WithContext(fmt::format("stage host {}", address_)));
    if (Status s = pipeline.Start(); !s.ok()) return ToGrpc(s);

    // Tensors this hop forwards wait beside the pipeline, in input order, in fixed buffers.
    int64_t forward_bytes = 0;
    for (const Forward& f : setup.forwards())
      if (!f.from_out_edge()) forward_bytes += setup.in_slot_bytes(f.src_slot());
    const int pending_frames = 2 * (pipeline.num_stages() + 1) * (setup.queue_capacity() + 2) + 2;
    std::vector<std::vector<uint8_t>> pending_storage(static_cast<size_t>(pending_frames),
                                                      std::vector<uint8_t>(forward_bytes));
    BoundedQueue<std::vector<uint8_t>*> pending_free(pending_storage.size());
    BoundedQueue<std::vector<uint8_t>*> pending_full(pending_storage.size());
    for (auto& b : pending_storage) SEGPIPE_CHECK(pending_free.Push(&b));

    Frame upstream_error;  // set by the reader: an error frame from upstream, or its loss
    Status downstream_error;  // the sender's; the reader reads it after joining the sender
    std::atomic<bool> downstream_failed{false};  // set before the sender cancels this call
    std::thread sender([&] {
      Frame out;
      out.mutable_data()->resize(static_cast<size_t>(session.out_bytes));
      uint8_t* data = reinterpret_cast<uint8_t*>(out.mutable_data()->data());
      std::vector<std::span<uint8_t>> outputs;
      for (int slot : setup.output_slots())
        outputs.emplace_back(data + session.out_offsets[static_cast<size_t>(slot)],
                             static_cast<size_t>(setup.out_slot_bytes(slot)));
      Status failure;
      while (std::optional<PopResult> r = pipeline.Pop(outputs)) {
        std::optional<std::vector<uint8_t>*> held = pending_full.Pop();
        if (!r->status.ok()) {
          failure = Status(r->status.code(),
                           fmt::format("stage host {}: {}", address_, r->status.message()));
          Frame error;
          error.set_sequence(r->sequence);
          error.set_error_code(static_cast<int>(failure.code()));
          error.set_error(failure.message());
          downstream_error = downstream.Send(error);
          break;
        }
        // Forwarded tensors, then the ones written twice.
        int64_t at = 0;
        for (const Forward& f : setup.forwards()) {
          const size_t dst = static_cast<size_t>(session.out_offsets[static_cast<size_t>(f.dst_slot())]);
          const int64_t n = setup.out_slot_bytes(f.dst_slot());
          if (f.from_out_edge()) {
            std::memmove(data + dst,
                         data + session.out_offsets[static_cast<size_t>(f.src_slot())],
                         static_cast<size_t>(n));
          } else if (held) {
            std::memcpy(data + dst, (*held)->data() + at, static_cast<size_t>(n));
            at += n;
          }
        }
        if (held) pending_free.Push(*held);
        out.set_sequence(r->sequence);
        downstream_error = downstream.Send(out);
        if (!downstream_error.ok()) break;
      }
      if (downstream_error.ok() && failure.ok() && upstream_error.error_code() != 0)
        downstream_error = downstream.Send(upstream_error);
      if (!downstream_error.ok()) {
        downstream_failed = true;
        // Tell upstream why, then stop reading from it.
        Credit credit;
        credit.set_error_code(static_cast<int>(downstream_error.code()));
        credit.set_error(fmt::format("stage host {}: {}", address_, downstream_error.message()));
        {
          std::lock_guard lock(upstream_write_mu);
          upstream->Write(credit);
        }
        downstream.Cancel();
        pipeline.Stop();
        pending_free.Close();
        pending_full.Close();
        context->TryCancel();
        return;
      }
      downstream_error = downstream.Close();
      if (!downstream_error.ok()) {
        downstream_failed = true;
        context->TryCancel();
      }
    });

    Frame in;
    int64_t expected = 0;
    std::vector<std::span<const uint8_t>> inputs;  // one per segment input, reused per frame
    inputs.reserve(static_cast<size_t>(setup.input_slots_size()));
    Credit credit;
    credit.set_frames(1);
    while (upstream->Read(&in)) {
      if (in.error_code() != 0) {
        upstream_error = in;
        break;
      }
      if (static_cast<int64_t>(in.data().size()) != session.in_bytes || in.sequence() != expected) {
        upstream_error.set_sequence(expected);
        upstream_error.set_error_code(static_cast<int>(StatusCode::kDataLoss));
        upstream_error.set_error(fmt::format(
            "stage host {}: input {} arrived as {} bytes with sequence {}, expected {} bytes", address_,
            expected, in.data().size(), in.sequence(), session.in_bytes));
        break;
      }
      const uint8_t* data = reinterpret_cast<const uint8_t*>(in.data().data());
      std::optional<std::vector<uint8_t>*> held = pending_free.Pop();
      if (!held) break;
      int64_t at = 0;
      for (const Forward& f : setup.forwards()) {
        if (f.from_out_edge()) continue;
        const int64_t n = setup.in_slot_bytes(f.src_slot());
        std::memcpy((*held)->data() + at, data + session.in_offsets[static_cast<size_t>(f.src_slot())],
                    static_cast<size_t>(n));
        at += n;
      }
      pending_full.Push(*held);
      inputs.clear();
      for (int slot : setup.input_slots())
        inputs.emplace_back(data + session.in_offsets[static_cast<size_t>(slot)],
                            static_cast<size_t>(setup.in_slot_bytes(slot)));
      if (!pipeline.Push(inputs).ok()) break;  // its error leaves through the sender
      ++expected;
      std::lock_guard lock(upstream_write_mu);
      if (!upstream->Write(credit)) break;
    }
    if (upstream_error.error_code() == 0 && context->IsCancelled() && !downstream_failed) {
      upstream_error.set_sequence(expected);
      upstream_error.set_error_code(static_cast<int>(StatusCode::kUnavailable));
      upstream_error.set_error(
          fmt::format("stage host {}: its upstream ({}) went away after {} inputs", address_,
                      context->peer(), expected));
    }
    pipeline.CloseInput();
    sender.join();
    if (!downstream_error.ok())
      return ToGrpc(downstream_error.WithContext(fmt::format("stage host {}", address_)));
    return grpc::Status::OK;
  }

  grpc::Status Collect(grpc::ServerContext* context, const SessionRequest* request,
                       grpc::ServerWriter<Frame>* writer) override {
    if (grpc::Status s = Authenticate(context, "Collect"); !s.ok()) return s;
    std::shared_ptr<Session> session = FindSession(request->session());
    if (!session)
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          fmt::format("stage host {}: no session '{}'", address_,
                                      request->session()));
    std::unique_lock lock(session->mu);
    if (session->collect != nullptr || !session->setup.downstream().empty())
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          fmt::format("stage host {}: session {} has no results to collect here",
                                      address_, session->id));
    session->collect = writer;
    session->cv.notify_all();
    // Wait until the frame loop is done with the writer (or the coordinator went away).
    while (!session->cv.wait_for(lock, std::chrono::milliseconds(200),
                                 [&] { return session->collect_done; })) {
      if (context->IsCancelled()) break;
      if (!session->streaming && SteadyNowNs() - session->created_ns >
                                     std::chrono::nanoseconds(kIdleSessionTimeout).count())
        break;
    }
    session->collect = nullptr;
    return grpc::Status::OK;
  }

  grpc::Status Finish(grpc::ServerContext* context, const SessionRequest* request,
                      FinishReply* reply) override {
    if (grpc::Status s = Authenticate(context, "Finish"); !s.ok()) return s;
    std::shared_ptr<Session> session;
    {
      std::lock_guard lock(sessions_mu_);
      auto it = sessions_.find(request->session());
      if (it == sessions_.end()) return grpc::Status::OK;  // never loaded, or already finished
      session = it->second;
    }
    {
      // The last host's results are all out before its stream call returns: allow it to.
      std::unique_lock session_lock(session->mu);
      if (!session->cv.wait_for(session_lock, std::chrono::seconds(5),
                                [&] { return !session->streaming || session->ended; }))
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            fmt::format("stage host {}: session {} is still streaming", address_,
                                        session->id));
    }
    {
      std::lock_guard lock(sessions_mu_);
      sessions_.erase(request->session());
    }
    for (const StageStats& s : session->final_stats) {
      StageStatsReply* r = reply->add_stages();
      r->set_device(s.device);
      r->set_count(s.count);
      r->set_busy_ns(s.busy_ns);
    }
    return grpc::Status::OK;
  }

  grpc::Status Probe(grpc::ServerContext* context,
                     grpc::ServerReaderWriter<ProbeMessage, ProbeMessage>* stream) override {
    if (grpc::Status s = Authenticate(context, "Probe"); !s.ok()) return s;
    ProbeMessage in, out;
    while (stream->Read(&in)) {
      const size_t n = static_cast<size_t>(std::clamp(in.reply_bytes(), 0, 64 << 20));
      out.set_sequence(in.sequence());
      if (out.payload().size() != n) out.mutable_payload()->assign(n, '\0');
      if (!stream->Write(out)) break;
    }
    return grpc::Status::OK;
  }

  grpc::Status ProbePeer(grpc::ServerContext* context, const ProbePeerRequest* request,
                         LinkMeasurement* reply) override {
    if (grpc::Status s = Authenticate(context, "ProbePeer"); !s.ok()) return s;
    if (Status s = CheckHostAddress(request->address()); !s.ok()) return ToGrpc(s);
    StatusOr<LinkModel> link = MeasureLink(request->address(), options_.peers);
    if (!link.ok())
      return ToGrpc(link.status().WithContext(
          fmt::format("stage host {} probing {}", address_, request->address())));
    reply->set_latency_ms(link->latency_ms);
    reply->set_bandwidth_mbit_s(link->bandwidth_mbit_s);
    return grpc::Status::OK;
  }

 private:
  std::mutex sessions_mu_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;  // guarded by sessions_mu_
};

StageHost::StageHost(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StageHost::~StageHost() { Shutdown(std::chrono::milliseconds(0)); }

StatusOr<std::unique_ptr<StageHost>> StageHost::Start(StageHostOptions options) {
  SEGPIPE_RETURN_IF_ERROR(CheckHostAddress(options.listen, /*allow_any_port=*/true));
  if (options.token.empty()) return InvalidArgumentError("a stage host needs a token");
  if (options.devices.empty()) return InvalidArgumentError("a stage host needs devices");
  if (options.tls_cert_pem.empty() != options.tls_key_pem.empty())
    return InvalidArgumentError("TLS needs both a certificate and its key");
  QuietGrpcLogs();
  auto impl = std::make_unique<Impl>(std::move(options));
  const StageHostOptions& o = impl->options_;
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (o.tls_cert_pem.empty()) {
    credentials = grpc::InsecureServerCredentials();
  } else {
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({o.tls_key_pem, o.tls_cert_pem});
    credentials = grpc::SslServerCredentials(ssl);
  }
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(o.listen, credentials, &port);
  builder.RegisterService(impl.get());
  builder.SetMaxReceiveMessageSize(std::numeric_limits<int>::max());
  builder.SetMaxSendMessageSize(-1);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kKeepaliveMs / 2);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  // gRPC shares a port between servers by default (SO_REUSEPORT): a second host on a port in
  // use would take half of its calls. Refuse instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  impl->server_ = builder.BuildAndStart();
  if (!impl->server_ || port == 0)
    return UnavailableError(fmt::format("cannot listen on {} (in use, or not an address of this "
                                        "machine)",
                                        o.listen));
  impl->address_ = fmt::format("{}:{}", o.listen.substr(0, o.listen.rfind(':')), port);
  return std::unique_ptr<StageHost>(new StageHost(std::move(impl)));
}

std::string StageHost::address() const { return impl_->address_; }

void StageHost::Shutdown(std::chrono::milliseconds drain) {
  std::lock_guard lock(impl_->shutdown_mu_);
  if (impl_->shut_down_ || !impl_->server_) return;
  impl_->shut_down_ = true;
  impl_->server_->Shutdown(std::chrono::system_clock::now() + drain);
  impl_->server_->Wait();
}

void StageHost::Wait() {
  if (impl_->server_) impl_->server_->Wait();
}

}  // namespace segpipe::remote
