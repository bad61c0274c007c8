#pragma once
// UnaryCall: one call of a unary method of an async gRPC service, served on a
// CompletionLoop. Listen(method, loop) asks gRPC for the method's next call; when it
// arrives, the loop asks for the one after it and runs the method's handler, which answers
// through UnaryReply::Finish, once, from whichever thread has the answer.

#include <grpcpp/server_context.h>
#include <grpcpp/support/async_unary_call.h>

#include <atomic>
#include <functional>
#include <type_traits>

#include "server/rpc/completion_loop.h"

namespace raftlab::rpc {

// The answering side of a call. Finish exactly once, from any thread; the response the
// handler was given must not be touched after it.
class UnaryReply {
 public:
  virtual void Finish(const grpc::Status& status) = 0;

 protected:
  ~UnaryReply() = default;
};

// A unary method of a service: how to ask gRPC for its calls and how to handle one.
template <class Request, class Response>
struct UnaryMethod {
  // The generated AsyncService's RequestX: (context, request, writer, queue, tag).
  std::function<void(grpc::ServerContext*, Request*, grpc::ServerAsyncResponseWriter<Response>*,
                     grpc::ServerCompletionQueue*, void*)>
      request;
  std::function<void(grpc::ServerContext*, const Request*, Response*, UnaryReply*)> handle;

  // Serves the method's calls on loop (several loops may serve one method) until the server
  // shuts down; the method must outlive them.
  void Listen(CompletionLoop& loop) const;
};

template <class Request, class Response>
class UnaryCall final : public CallTag, public UnaryReply {
 public:
  using Method = UnaryMethod<Request, Response>;

  // Serves method's calls on loop until the server shuts down; method outlives them.
  static void Listen(const Method& method, CompletionLoop& loop) { new UnaryCall(method, loop); }

  void Proceed(bool ok) override {
    // The answer went out (or the client left), or the server stopped before a call came.
    if (finishing_.load(std::memory_order_acquire) || !ok) {
      delete this;
      return;
    }
    Listen(method_, loop());
    method_.handle(&context_, &request_, &response_, this);
  }

  void Finish(const grpc::Status& status) override {
    finishing_.store(true, std::memory_order_release);
    if (status.ok()) {
      writer_.Finish(response_, status, this);
    } else {
      writer_.FinishWithError(status, this);
    }
  }

 private:
  UnaryCall(const Method& method, CompletionLoop& loop)
      : CallTag(loop), method_(method), writer_(&context_) {
    method_.request(&context_, &request_, &writer_, loop.queue(), this);
  }

  const Method& method_;
  grpc::ServerContext context_;
  Request request_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response> writer_;
  // Set by Finish, possibly on another thread than the loop's.
  std::atomic<bool> finishing_ = false;
};

template <class Request, class Response>
void UnaryMethod<Request, Response>::Listen(CompletionLoop& loop) const {
  UnaryCall<Request, Response>::Listen(*this, loop);
}

// Fills method from an AsyncService's RequestX (e.g. &KV::AsyncService::RequestPut) and a
// handler.
template <class Request, class Response, class Service, class RequestX>
void Bind(UnaryMethod<Request, Response>& method, Service& service, RequestX request_x,
          std::type_identity_t<decltype(UnaryMethod<Request, Response>::handle)> handle) {
  method.request = [&service, request_x](grpc::ServerContext* ctx, Request* request,
                                         grpc::ServerAsyncResponseWriter<Response>* writer,
                                         grpc::ServerCompletionQueue* q, void* tag) {
    (service.*request_x)(ctx, request, writer, q, q, tag);
  };
  method.handle = std::move(handle);
}

}  // namespace raftlab::rpc
