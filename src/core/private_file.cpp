#include "cryptcol/private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "cryptcol/secure_memory.hpp"

namespace cryptcol {
namespace {

class Descriptor {
 public:
  explicit Descriptor(int fd) noexcept : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const noexcept { return fd_; }
  int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

std::string errno_text(int code) { return "errno " + std::to_string(code); }

void check_directory(int dir_fd, const std::string& dir, const PrivateFileRules& rules) {
  struct stat info {};
  if (::fstat(dir_fd, &info) != 0) {
    throw error(rules.unavailable, "cannot examine directory " + dir + " (" +
                                       errno_text(errno) + ")");
  }
  // Whoever may write the directory may rename another file into the file's place.
  if (info.st_uid != 0 && info.st_uid != ::geteuid()) {
    throw error(rules.refusal, std::string("directory ") + dir + " of the " + rules.what +
                                   " belongs to another user");
  }
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    throw error(rules.refusal, std::string("directory ") + dir + " of the " + rules.what +
                                   " is writable by group or others; chmod go-w it");
  }
}

void check_file(int fd, const std::string& path, const PrivateFileRules& rules) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    throw error(rules.unavailable, std::string("cannot examine ") + rules.what + " " + path +
                                       " (" + errno_text(errno) + ")");
  }
  const std::string what = std::string(rules.what) + " " + path;
  if (!S_ISREG(info.st_mode)) throw error(rules.refusal, what + " is not a regular file");
  if (info.st_uid != ::geteuid()) {
    throw error(rules.refusal, what + " is not owned by the user running cryptcol (uid " +
                                   std::to_string(::geteuid()) + ")");
  }
  if ((info.st_mode & (S_ISUID | S_ISGID | S_ISVTX)) != 0) {
    throw error(rules.refusal, what + " has the setuid, setgid or sticky bit; chmod 600 it");
  }
  const mode_t forbidden =
      rules.others_may_read ? (S_IWGRP | S_IWOTH | S_IXGRP | S_IXOTH) : (S_IRWXG | S_IRWXO);
  if ((info.st_mode & forbidden) != 0) {
    throw error(rules.refusal, what + (rules.others_may_read
                                           ? " is writable by group or others; chmod go-w it"
                                           : " is accessible by group or others; chmod 600 it"));
  }
}

}  // namespace

int open_private_file(const std::string& path, int flags, const PrivateFileRules& rules,
                      unsigned create_mode) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") {
    throw error(rules.unavailable, std::string(rules.what) + " " + path + " names no file");
  }
  Descriptor dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0) {
    throw error(rules.unavailable, std::string("cannot open the directory of ") + rules.what +
                                       " " + path + " (" + errno_text(errno) + ")");
  }
  check_directory(dir_fd.get(), dir, rules);
  // O_NONBLOCK: a FIFO planted at the path must not hang the open; it is refused below.
  Descriptor fd(::openat(dir_fd.get(), name.c_str(),
                         flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                         static_cast<mode_t>(create_mode)));
  if (fd.get() < 0) {
    const int code = errno;
    if (code == ELOOP) {
      throw error(rules.refusal, std::string(rules.what) + " " + path +
                                     " is a symbolic link; name the file itself");
    }
    throw error(rules.unavailable, std::string("cannot open ") + rules.what + " " + path +
                                       " (" + errno_text(code) + ")");
  }
  check_file(fd.get(), path, rules);
  // Back to blocking I/O for the caller.
  const int status = ::fcntl(fd.get(), F_GETFL);
  if (status >= 0) ::fcntl(fd.get(), F_SETFL, status & ~O_NONBLOCK);
  return fd.release();
}

std::string read_secret_fd(int fd, const std::string& path) {
  std::string data;
  data.reserve(4096);
  std::size_t size = 0;
  for (;;) {
    if (size == data.capacity()) {
      // Grow by hand so the old buffer is wiped instead of left behind by a reallocation.
      std::string bigger;
      bigger.reserve(data.capacity() * 2);
      bigger.assign(data.data(), size);
      secure_wipe(data);
      data.swap(bigger);
    }
    data.resize(data.capacity());
    const ssize_t n = ::read(fd, &data[size], data.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int code = errno;
      secure_wipe(data);
      throw error(errc::key_source_missing, "cannot read " + path + " (" + errno_text(code) + ")");
    }
    data.resize(size + static_cast<std::size_t>(n));
    if (n == 0) return data;
    size += static_cast<std::size_t>(n);
  }
}

}  // namespace cryptcol
