#include "core/tty.h"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

namespace airlock::core {

bool askOnTerminal(int tty, std::string_view question, int timeoutMs) {
  termios saved{};
  const bool haveSaved = tcgetattr(tty, &saved) == 0;
  if (haveSaved) {
    termios t = saved;
    t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG);
    t.c_oflag |= OPOST | ONLCR;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(tty, TCSAFLUSH, &t);
  } else {
    tcflush(tty, TCIFLUSH);
  }
  (void)!::write(tty, question.data(), question.size());
  bool yes = false;
  pollfd p{tty, POLLIN, 0};
  char c = 0;
  if (::poll(&p, 1, timeoutMs) == 1 && ::read(tty, &c, 1) == 1) yes = c == 'y' || c == 'Y';
  const std::string_view said = yes ? "yes\n" : (p.revents == 0 ? "no answer: declined\n" : "no\n");
  (void)!::write(tty, said.data(), said.size());
  if (haveSaved) tcsetattr(tty, TCSADRAIN, &saved);
  return yes;
}

std::string terminalSafe(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

}  // namespace airlock::core
