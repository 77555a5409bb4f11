#ifndef OPENLEDGER_CCURL_SHIM_H
#define OPENLEDGER_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo take their value through C's `...`, which Swift cannot
// call: one typed wrapper for each kind of value the remote transports set or read.

static inline CURLcode ol_curl_set_long(CURL *handle, CURLoption option, long value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ol_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ol_curl_set_pointer(CURL *handle, CURLoption option, const void *value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ol_curl_set_string(CURL *handle, CURLoption option, const char *value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ol_curl_set_list(CURL *handle, CURLoption option, struct curl_slist *value) {
  return curl_easy_setopt(handle, option, value);
}

typedef size_t (*ol_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);
typedef int (*ol_curl_seek_callback)(void *context, curl_off_t offset, int origin);

static inline CURLcode ol_curl_set_data_callback(
    CURL *handle, CURLoption option, ol_curl_data_callback callback) {
  return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode ol_curl_set_seek_callback(CURL *handle, ol_curl_seek_callback callback) {
  return curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, callback);
}

static inline long ol_curl_response_code(CURL *handle) {
  long code = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
  return code;
}

#endif
