// The data plane's HTTP request: Beast's, with its header fields allocated in
// the session's RequestArena (request_arena.hpp), so a keep-alive poll loop
// makes no heap allocation for headers.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/request_arena.hpp"

namespace trove::net {

using HttpFieldsAllocator = RequestArenaAllocator<char>;
using HttpFields = boost::beast::http::basic_fields<HttpFieldsAllocator>;
using HttpRequest = boost::beast::http::request<boost::beast::http::string_body, HttpFields>;
using HttpRequestParser =
    boost::beast::http::request_parser<boost::beast::http::string_body, HttpFieldsAllocator>;

}  // namespace trove::net
