#include "core/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

void write_durably(const fs::path& path, const char* data, std::size_t size) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::string name = ".";
  name += path.filename().string();
  name += ".tmp.XXXXXX";
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
