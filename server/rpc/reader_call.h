#pragma once
// ReaderCall: one client-streaming call of an async gRPC service, served on a
// CompletionLoop: wait for the stream, read its messages one at a time, answer once. A
// subclass asks for its method's stream in its constructor (the generated RequestX, with
// context(), reader(), loop().queue() and itself as the tag), asks for the next stream when
// one arrives (ListenForNext), and handles each message and the end of the stream on the loop
// thread.

#include <grpcpp/server_context.h>
#include <grpcpp/support/async_stream.h>

#include "server/rpc/completion_loop.h"

namespace raftlab::rpc {

template <class Request, class Response>
class ReaderCall : public CallTag {
 public:
  void Proceed(bool ok) final {
    switch (step_) {
      case Step::kWaiting:
        // The server stopped before a stream came.
        if (!ok) break;
        ListenForNext();
        step_ = Step::kReading;
        ReadNext();
        return;
      case Step::kReading:
        if (ok) {
          OnMessage(message_);
        } else {
          OnEnd();
        }
        return;
      case Step::kFinishing:
        break;
    }
    delete this;
  }

 protected:
  explicit ReaderCall(CompletionLoop& loop) : CallTag(loop), reader_(&context_) {}

  // A stream arrived: ask for the one after it (a new subclass object on the same loop).
  virtual void ListenForNext() = 0;
  // Handles the message just read, then calls ReadNext or Finish.
  virtual void OnMessage(Request& message) = 0;
  // The client closed the stream or went away (or the server stops): calls Finish.
  virtual void OnEnd() = 0;

  void ReadNext() {
    message_.Clear();
    reader_.Read(&message_, this);
  }
  // Answers response() with an OK status, or status alone.
  void Finish(const grpc::Status& status) {
    step_ = Step::kFinishing;
    if (status.ok()) {
      reader_.Finish(response_, status, this);
    } else {
      reader_.FinishWithError(status, this);
    }
  }

  grpc::ServerContext* context() { return &context_; }
  grpc::ServerAsyncReader<Response, Request>* reader() { return &reader_; }
  Response& response() { return response_; }

 private:
  enum class Step { kWaiting, kReading, kFinishing };

  grpc::ServerContext context_;
  grpc::ServerAsyncReader<Response, Request> reader_;
  Request message_;
  Response response_;
  Step step_ = Step::kWaiting;
};

}  // namespace raftlab::rpc
