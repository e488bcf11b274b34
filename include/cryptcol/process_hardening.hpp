#ifndef CRYPTCOL_PROCESS_HARDENING_HPP
#define CRYPTCOL_PROCESS_HARDENING_HPP

// Process-wide measures for programs that hold keys (the cryptcol tool calls both). Key bytes
// themselves are always kept in pages excluded from core dumps (MADV_DONTDUMP); these cover
// the rest of the process.

namespace cryptcol {

// Overwrites the values of CRYPTCOL_KEY_* and CRYPTCOL_LEGACY_KEY in place (which also
// clears them from /proc/<pid>/environ) and removes the variables. Call it once the key ring
// is loaded: child processes and later readers of the environment then see no key.
// Returns how many variables were removed.
int remove_key_variables_from_environment() noexcept;

// No core dumps and no same-user ptrace attach: prctl(PR_SET_DUMPABLE, 0) and
// RLIMIT_CORE = 0. Returns false when either call failed (the other is still applied).
bool disable_core_dumps() noexcept;

}  // namespace cryptcol

#endif  // CRYPTCOL_PROCESS_HARDENING_HPP
