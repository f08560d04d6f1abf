#include "core/durable_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace rnnopt {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const fs::path& path, const std::string& what, int error) {
  throw std::runtime_error(path.string() + ": " + what +
                           (error != 0 ? std::string(": ") + std::strerror(error) : std::string()));
}

// Writes all of data to fd, retrying on partial writes and EINTR; false with errno set on error.
bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Removes the temporary files ".<name>.tmp.<pid>.XXXXXX" that an earlier writer of the same target
// left when it was killed mid-write: those whose process no longer exists. A live process (or one
// we may not signal) keeps its file; names without a pid are left alone.
void remove_stale_temporaries(const fs::path& dir, const std::string& prefix) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const char* first = name.data() + prefix.size();
    const char* last = name.data() + name.size();
    long pid = 0;
    const auto [rest, error] = std::from_chars(first, last, pid);
    if (error != std::errc() || rest == first || rest == last || *rest != '.' || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::error_code ignored;
    fs::remove(it->path(), ignored);
  }
}

void write_durably(const fs::path& path, const char* data, std::size_t size) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::string name = ".";
  name += path.filename().string();
  name += ".tmp.";
  remove_stale_temporaries(dir, name);
  name += std::to_string(::getpid());
  name += ".XXXXXX";
  std::string tmp = (dir / name).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) fail(path, "cannot create a temporary file in " + dir.string(), errno);
  const auto abandon = [&](const std::string& what, bool close_fd) {
    const int error = errno;
    if (close_fd) ::close(fd);
    ::unlink(tmp.c_str());
    fail(path, what, error);
  };
  // mkstemp creates the file 0600; outputs are meant to be shared like any other file.
  if (::fchmod(fd, 0644) != 0) abandon("cannot set the permissions of the temporary file", true);
  if (!write_all(fd, data, size)) abandon("cannot write the temporary file", true);
  if (::fsync(fd) != 0) abandon("cannot flush the temporary file", true);
  if (::close(fd) != 0) abandon("cannot close the temporary file", false);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    abandon("cannot rename the temporary file over the target", false);
  }
  // The rename is durable once the folder is flushed; if that fails, the data is already safe.
  if (const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace

void write_file_durably(const fs::path& path, std::string_view bytes) {
  write_durably(path, bytes.data(), bytes.size());
}

void write_file_durably(const fs::path& path, std::span<const std::uint8_t> bytes) {
  write_durably(path, reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void append_file_durably(const fs::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "cannot open for appending", errno);
  if (!write_all(fd, bytes.data(), bytes.size()) || ::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    fail(path, "cannot append", error);
  }
  if (::close(fd) != 0) fail(path, "cannot close", errno);
}

void sync_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, "cannot open to flush", errno);
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    fail(path, "cannot flush", error);
  }
  ::close(fd);
}

std::string read_file(const fs::path& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot read", errno);
  std::ostringstream os;
  os << in.rdbuf();
  if (in.bad()) fail(path, "cannot read", errno);
  return os.str();
}

}  // namespace rnnopt
