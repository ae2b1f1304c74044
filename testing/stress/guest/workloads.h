/* workloads.h: the workload entry points (one per file group). */
#ifndef WORKLOADS_H
#define WORKLOADS_H

/* events.c */
void w_timerfd(int argc, char **argv);
void w_eventfd(int argc, char **argv);
void w_epoll(int argc, char **argv);
void w_poll(int argc, char **argv);
void w_inotify(int argc, char **argv);

/* procs.c */
void w_fork_storm(int argc, char **argv);
void w_vfork_storm(int argc, char **argv);
void w_clone_storm(int argc, char **argv);
void w_signal_flood(int argc, char **argv);
void w_pipe_herd(int argc, char **argv);
void w_zombies(int argc, char **argv);
void w_exec_storm(int argc, char **argv);
void w_exec_child(int argc, char **argv);
void w_true(int argc, char **argv);
void w_final(int argc, char **argv);

/* memory.c */
void w_mmap_churn(int argc, char **argv);
void w_memory_hog(int argc, char **argv);
void w_memfd_churn(int argc, char **argv);

/* files.c */
void w_fs_churn(int argc, char **argv);

/* limits.c */
void w_getters(int argc, char **argv);
void w_rlimits(int argc, char **argv);

#endif
