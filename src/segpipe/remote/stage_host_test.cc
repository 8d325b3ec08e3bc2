// The stage host's refusals, called directly over gRPC: token, checksum, bytes that are no model,
// frames that do not match the segment, sessions that do not exist; and the token helpers.
#include "segpipe/remote/internal/stage_host.h"

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "segpipe/core/internal/sha256.h"
#include "segpipe/remote/stage_host.grpc.pb.h"
#include "segpipe/tflite/internal/reader.h"

namespace segpipe::remote {
namespace {

const std::string kModel =
    std::string(SEGPIPE_SHARED_DIR) + "/models/coral/mobilenet_v1_0.25_128_quant.tflite";

class StageHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StageHostOptions o;
    o.listen = "127.0.0.1:0";
    o.token = "unit-test-token";
    o.log = [this](const std::string& line) {
      std::lock_guard lock(log_mu_);
      log_ += line + "\n";
    };
    StatusOr<std::unique_ptr<StageHost>> host = StageHost::Start(o);
    ASSERT_TRUE(host.ok()) << host.status().ToString();
    host_ = std::move(host).value();
    security_.token = o.token;
    stub_ = StageHostService::NewStub(MakeChannel(host_->address(), security_));
  }

  // The whole model as one segment on one cpu stage.
  LoadRequest WholeModel(const std::string& session) {
    StatusOr<std::vector<uint8_t>> bytes = ReadFileBytes(kModel);
    EXPECT_TRUE(bytes.ok());
    StatusOr<Model> model = ReadTflite(*bytes);
    EXPECT_TRUE(model.ok());
    LoadRequest load;
    load.set_session(session);
    load.set_segment_tflite(std::string(bytes->begin(), bytes->end()));
    load.set_segment_sha256(Sha256Hex(*bytes));
    StageSetup* stage = load.add_stages();
    stage->set_kind("cpu");
    stage->set_last_op(static_cast<int>(model->ops.size()) - 1);
    load.add_in_slot_bytes(model->tensor(model->inputs[0]).num_bytes());
    load.add_out_slot_bytes(model->tensor(model->outputs[0]).num_bytes());
    load.add_input_slots(0);
    load.add_output_slots(0);
    load.set_queue_capacity(1);
    return load;
  }

  grpc::Status Load(const LoadRequest& load, const ClientSecurity& security) {
    grpc::ClientContext context;
    PrepareContext(context, security, "", std::chrono::seconds(30));
    LoadReply reply;
    return stub_->Load(&context, load, &reply);
  }

  std::unique_ptr<StageHost> host_;
  ClientSecurity security_;
  std::unique_ptr<StageHostService::Stub> stub_;
  std::mutex log_mu_;
  std::string log_;
};

TEST_F(StageHostTest, LoadsAModelAndFreesItsDeviceOnFinish) {
  ASSERT_TRUE(Load(WholeModel("s1"), security_).ok());
  // Its one cpu is taken: a second session does not fit.
  const grpc::Status second = Load(WholeModel("s2"), security_);
  EXPECT_EQ(second.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(second.error_message().find("0 free"), std::string::npos) << second.error_message();
  grpc::ClientContext context;
  PrepareContext(context, security_, "", std::chrono::seconds(10));
  SessionRequest finish;
  finish.set_session("s1");
  FinishReply reply;
  ASSERT_TRUE(stub_->Finish(&context, finish, &reply).ok());
  EXPECT_TRUE(Load(WholeModel("s2"), security_).ok());
}

TEST_F(StageHostTest, ASessionThatNeverStreamsGivesItsDevicesToTheNextLoad) {
  // A coordinator that died between Load and its stream: its session holds the one cpu.
  ASSERT_TRUE(Load(WholeModel("orphan"), security_).ok());
  EXPECT_EQ(Load(WholeModel("next"), security_).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  std::this_thread::sleep_for(kStaleLoadTimeout + std::chrono::milliseconds(200));
  EXPECT_TRUE(Load(WholeModel("next"), security_).ok());
  std::lock_guard lock(log_mu_);
  EXPECT_NE(log_.find("session orphan dropped"), std::string::npos) << log_;
}

TEST_F(StageHostTest, WrongTokenIsRefusedAndLogged) {
  const grpc::Status s = Load(WholeModel("s"), ClientSecurity{"not-it", ""});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  {
    std::lock_guard lock(log_mu_);
    EXPECT_NE(log_.find("wrong token"), std::string::npos) << log_;
  }
  EXPECT_TRUE(Load(WholeModel("s"), security_).ok());
}

TEST_F(StageHostTest, DamagedOrInvalidSegmentsAreRefused) {
  LoadRequest damaged = WholeModel("d");
  (*damaged.mutable_segment_tflite())[100] ^= 0x55;
  grpc::Status s = Load(damaged, security_);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_NE(s.error_message().find("SHA-256"), std::string::npos) << s.error_message();

  LoadRequest garbage = WholeModel("g");
  garbage.set_segment_tflite("this is not a flatbuffer");
  garbage.set_segment_sha256(Sha256Hex(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(garbage.segment_tflite().data()),
      garbage.segment_tflite().size())));
  s = Load(garbage, security_);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.error_message().find(host_->address()), std::string::npos) << s.error_message();

  LoadRequest bad_slots = WholeModel("b");
  bad_slots.set_in_slot_bytes(0, 7);
  s = Load(bad_slots, security_);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("does not match its frame slot"), std::string::npos);

  LoadRequest tpu = WholeModel("t");
  tpu.mutable_stages(0)->set_kind("edgetpu");
  s = Load(tpu, security_);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(s.error_message().find("this host has 0 free"), std::string::npos)
      << s.error_message();
}

TEST_F(StageHostTest, StreamsNeedALoadedSession) {
  grpc::ClientContext context;
  PrepareContext(context, security_, "never-loaded");
  auto stream = stub_->Stream(&context);
  stream->WritesDone();
  const grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(StageHostTest, FramesOfTheWrongSizeEndTheStreamWithAnErrorFrame) {
  ASSERT_TRUE(Load(WholeModel("f"), security_).ok());
  grpc::ClientContext collect_context;
  PrepareContext(collect_context, security_, "");
  SessionRequest collect;
  collect.set_session("f");
  auto results = stub_->Collect(&collect_context, collect);
  grpc::ClientContext context;
  PrepareContext(context, security_, "f");
  auto stream = stub_->Stream(&context);
  Frame frame;
  frame.set_sequence(0);
  frame.set_data(std::string(10, '\0'));
  ASSERT_TRUE(stream->Write(frame));
  stream->WritesDone();
  Frame result;
  ASSERT_TRUE(results->Read(&result));
  EXPECT_EQ(result.error_code(), static_cast<int>(StatusCode::kDataLoss));
  EXPECT_NE(result.error().find("arrived as 10 bytes"), std::string::npos) << result.error();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST(TransportTest, TokensCompareWholly) {
  EXPECT_TRUE(TokensEqual("abc", "abc"));
  EXPECT_FALSE(TokensEqual("abc", "abd"));
  EXPECT_FALSE(TokensEqual("abc", "abcd"));
  EXPECT_FALSE(TokensEqual("", "a"));
}

TEST(TransportTest, TokenFilesAreCheckedWhenRead) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("segpipe_token_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "good") << "s3cret\n";
  std::ofstream(dir / "empty") << "\n";
  std::ofstream(dir / "spaces") << "two words\n";
  EXPECT_EQ(*ReadTokenFile((dir / "good").string()), "s3cret");
  EXPECT_EQ(ReadTokenFile((dir / "empty").string()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadTokenFile((dir / "spaces").string()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadTokenFile((dir / "missing").string()).status().code(), StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace segpipe::remote
