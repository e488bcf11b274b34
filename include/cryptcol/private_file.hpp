#ifndef CRYPTCOL_PRIVATE_FILE_HPP
#define CRYPTCOL_PRIVATE_FILE_HPP

// Opening files that hold keys or audit records without a window between checking a file and
// using it: the parent directory is opened and checked first, the file is opened relative to
// it without following a symbolic link, and the checks run on the open descriptor (fstat),
// never on the path again.

#include <string>

#include "cryptcol/error.hpp"

namespace cryptcol {

struct PrivateFileRules {
  // The file may be readable by its group and others (an audit log a log shipper reads);
  // it is never writable by them.
  bool others_may_read = false;
  // Typed error for a file or directory that breaks a rule.
  errc refusal = errc::key_file_permissions;
  // Typed error for a file that cannot be opened (absent, not created, unreadable).
  errc unavailable = errc::key_source_missing;
  // What the file is, for messages ("key file", "audit log").
  const char* what = "key file";
};

// Opens `path` with open(2) `flags` (O_NOFOLLOW and O_CLOEXEC are always added; `create_mode`
// applies with O_CREAT) and returns the descriptor. Refuses with `rules.refusal`:
//   - a symbolic link, or anything but a regular file;
//   - a file not owned by the effective user;
//   - a file with group/other permission bits (only write bits with others_may_read);
//   - a setuid, setgid or sticky file;
//   - a parent directory owned by someone other than root or the effective user, or one
//     that its group or others may write (a 1777 directory included: sticky does not help).
// A file that cannot be opened at all is `rules.unavailable`.
int open_private_file(const std::string& path, int flags, const PrivateFileRules& rules = {},
                      unsigned create_mode = 0600);

// All of `fd`'s contents; every superseded buffer is wiped as it grows, and the result is
// wiped before an error is thrown. Does not close `fd`.
std::string read_secret_fd(int fd, const std::string& path);

}  // namespace cryptcol

#endif  // CRYPTCOL_PRIVATE_FILE_HPP
