// The native engine of WsConnection (--ws-engine native), included by
// ws_connection.cpp before its explicit instantiations. After Beast's
// upgrade handshake the socket under the stream is read and written
// directly: one read fills the buffer, every complete frame in it is handled
// in place (ws::FrameReader), and the replies, pongs and acks that read
// produced leave in one gather write; a partial frame stays in the buffer
// for the next read. Included only by ws_connection.cpp (the definitions
// need its private aliases and constants).
#pragma once

#include <algorithm>
#include <cstring>

#include "net/ws/frame_writer.hpp"

namespace trove::net {

namespace {
// The read buffer's usual size: many small frames per read. A frame larger
// than the buffer grows it to that frame (up to the message limit).
constexpr std::size_t kReadBytes = 16384;
// Messages one gather write takes; asio's writev takes 64 buffers, two per
// message (header, payload) plus the control frames.
constexpr std::size_t kMessagesPerWrite = 31;
}  // namespace

template <class P>
void WsConnection<P>::native_read() {
  if (state_ == State::kClosed) return;
  const std::size_t needed = std::max(read_size_ + kReadBytes / 4, reader_.wanted());
  if (needed > read_capacity_) {
    const std::size_t capacity = std::max(kReadBytes, needed + kReadBytes / 4);
    auto grown = std::make_unique<char[]>(capacity);
    if (read_size_ != 0) std::memcpy(grown.get(), read_buffer_.get(), read_size_);
    read_buffer_ = std::move(grown);
    read_capacity_ = capacity;
  }
  beast::get_lowest_layer(ws_).async_read_some(
      asio::buffer(read_buffer_.get() + read_size_, read_capacity_ - read_size_),
      [self = this->shared_from_this()](beast::error_code ec, std::size_t bytes) {
        self->on_native_read(ec, bytes);
      });
}

template <class P>
void WsConnection<P>::on_native_read(beast::error_code ec, std::size_t bytes) {
  if (ec == asio::error::operation_aborted) return;
  // Happens when the peer went away without a close, or we closed the socket.
  if (ec) return hard_close();
  read_size_ += bytes;
  heard_since_ping_ = true;
  native_process();
}

// Handles every complete event in the buffer, unless the protocol is still
// working on a message (a sliced ingest): finish_message resumes here.
template <class P>
void WsConnection<P>::native_process() {
  processing_ = true;
  bool more = true;
  while (more && !message_pending_ && state_ != State::kClosed) {
    const ws::Event event = reader_.next(read_buffer_.get(), read_size_);
    more = event.kind != ws::Event::Kind::kNeedMore && native_event(event);
  }
  processing_ = false;
  if (state_ == State::kClosed) return;
  if (message_pending_) return native_flush();
  native_after_batch();
}

template <class P>
bool WsConnection<P>::native_event(const ws::Event& event) {
  using Kind = ws::Event::Kind;
  switch (event.kind) {
    case Kind::kMessage:
      // Closing: what arrives is ignored while the close reply is awaited.
      if (closing()) return true;
      message_pending_ = true;
      if (protocol_.on_message(event.payload, Clock::now())) message_pending_ = false;
      return true;
    case Kind::kPing:
      if (state_ < State::kCloseSent)
        ws::append_frame(control_out_, ws::Opcode::kPong, event.payload);
      return true;
    case Kind::kPong:
      return true;
    case Kind::kClose:
      // The reply to our close ends the handshake.
      if (state_ == State::kCloseSent) {
        hard_close();
        return false;
      }
      native_end(event.code, {});
      return false;
    case Kind::kFail:
      if (event.code == ws::close_code::kTooBig) worker_.metrics().count_limit(Limit::kFrameSize);
      native_end(event.code, event.error);
      return false;
    case Kind::kNeedMore:
      break;
  }
  return false;
}

// The peer closed or broke the protocol: what is queued goes out, then our
// close frame (echoing the peer's code), then the socket closes.
template <class P>
void WsConnection<P>::native_end(std::uint16_t code, std::string_view reason) {
  state_ = State::kCloseSent;
  close_after_write_ = true;
  close_out_.clear();
  if (code == 0) {
    ws::append_frame(close_out_, ws::Opcode::kClose, {});
  } else {
    ws::append_close(close_out_, code, reason);
  }
  set_deadline(deadline_now() + kCloseGrace);
}

// Every complete frame of the read is handled: keep only what is still
// needed, hold a message begun to its deadline, send the replies, read on.
template <class P>
void WsConnection<P>::native_after_batch() {
  read_size_ = reader_.compact(read_buffer_.get(), read_size_);
  if (read_size_ == 0 && read_capacity_ > kReadBytes) {
    // A large message is done: its buffer goes back.
    read_buffer_.reset();
    read_capacity_ = 0;
  }
  if (!closing()) {
    const bool part_read = read_size_ != 0;
    if (part_read && message_due_ == TimePoint{}) {
      message_due_ = deadline_now() + std::chrono::milliseconds(config_.ws_message_timeout_ms);
      arm_deadline();
    } else if (!part_read && message_due_ != TimePoint{}) {
      message_due_ = {};
      arm_deadline();
    }
  }
  native_flush();
  if (reader_.done() || state_ == State::kClosed) return;
  // Request/response: reading before the replies are written would make a
  // recv that finds nothing; read once the write completes (see
  // finish_message for the same choice in the Beast engine).
  if (writing_) {
    read_after_write_ = true;
  } else {
    native_read();
  }
}

template <class P>
void WsConnection<P>::native_flush() {
  if (writing_ || state_ == State::kClosed) return;
  const std::size_t messages = std::min(queue_.size(), kMessagesPerWrite);
  const bool close_now = !close_out_.empty() && messages == queue_.size();
  if (control_out_.empty() && messages == 0 && !close_now) return;
  control_writing_.swap(control_out_);
  control_out_.clear();
  headers_writing_.clear();
  for (std::size_t i = 0; i < messages; ++i)
    ws::append_frame_header(headers_writing_, ws::Opcode::kText, queue_.at(i).size());
  write_buffers_.clear();
  if (!control_writing_.empty()) write_buffers_.push_back(asio::buffer(control_writing_));
  for (std::size_t i = 0, at = 0; i < messages; ++i) {
    const std::size_t header = ws::frame_header_size(queue_.at(i).size());
    write_buffers_.push_back(asio::buffer(headers_writing_.data() + at, header));
    write_buffers_.push_back(asio::buffer(queue_.at(i)));
    at += header;
  }
  close_writing_ = close_now;
  if (close_now) write_buffers_.push_back(asio::buffer(close_out_));
  messages_writing_ = messages;
  writing_ = true;
  asio::async_write(beast::get_lowest_layer(ws_), write_buffers_,
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                      self->on_native_write(ec);
                    });
}

template <class P>
void WsConnection<P>::on_native_write(beast::error_code ec) {
  writing_ = false;
  // Happens when the peer went away or the socket was closed under us.
  if (ec) return hard_close();
  for (std::size_t i = 0; i < messages_writing_; ++i)
    queue_.pop();
  messages_writing_ = 0;
  if (close_writing_) {
    close_writing_ = false;
    close_out_.clear();
    if (close_after_write_) return hard_close();
  }
  if (read_after_write_) {
    read_after_write_ = false;
    native_read();
  }
  if (state_ == State::kClosing) return start_close();
  if (!closing()) protocol_.on_write_done();
  native_flush();
}

// Our close (drain, 1008, idle, auth): the replies already queued go first,
// then the close frame; the read loop awaits the peer's reply, the close
// grace deadline bounds the wait for a peer that reads nothing.
template <class P>
void WsConnection<P>::native_start_close() {
  state_ = State::kCloseSent;
  close_out_.clear();
  ws::append_close(close_out_, static_cast<std::uint16_t>(close_reason_.code),
                   std::string_view(close_reason_.reason.data(), close_reason_.reason.size()));
  native_flush();
}

template <class P>
void WsConnection<P>::native_ping() {
  ping_in_flight_ = false;
  if (state_ >= State::kCloseSent) return;
  ws::append_frame(control_out_, ws::Opcode::kPing, {});
  if (!processing_) native_flush();
}

}  // namespace trove::net
