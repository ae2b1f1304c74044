/* The filter validator: what Linux refuses with EINVAL or EFAULT, and the
 * flags it does not know. Every refused install leaves seccomp off. */
#include "sec.h"

#define TRY(name, ...) do { struct sock_filter f[] = {__VA_ARGS__}; \
	ERR(name, install(f, sizeof f / sizeof f[0], 0), EINVAL); } while (0)

int main(void)
{
	SYS(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	struct sock_filter ok[] = {RET(SECCOMP_RET_ALLOW)};
	ERR("len0", install(ok, 0, 0), EINVAL);
	static struct sock_filter big[4097];
	for (int i = 0; i < 4097; i++)
		big[i] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
	ERR("len4097", install(big, 4097, 0), EINVAL);
	TRY("no_ret", BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0));
	TRY("bad_opcode", BPF_STMT(0xff, 0), RET(0));
	TRY("ld_half", BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0), RET(0));
	TRY("ld_ind", BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0), RET(0));
	TRY("ld_unaligned", BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), RET(0));
	TRY("ld_past_data", BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), RET(0));
	TRY("alu_mod", BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3), RET(0));
	TRY("div_zero", BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET(0));
	TRY("lsh_32", BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET(0));
	TRY("mem_16", BPF_STMT(BPF_ST, 16), RET(0));
	TRY("mem_uninit", BPF_STMT(BPF_LD | BPF_MEM, 0), RET(0));
	TRY("ja_out", BPF_STMT(BPF_JMP | BPF_JA, 1), RET(0));
	TRY("jeq_out", BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), RET(0));
	ERR("fprog_fault", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (void *)8), EFAULT);
	struct sock_fprog badptr = {1, (struct sock_filter *)8};
	ERR("filter_fault", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &badptr), EFAULT);
	ERR("unknown_flag", install(ok, 1, 1UL << 10), EINVAL);
	ERR("tsync_listener", install(ok, 1, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_NEW_LISTENER), EINVAL);
	ERR("prctl_bad_mode", prctl(PR_SET_SECCOMP, 7, 0, 0, 0), EINVAL);
	EQ("still_off", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	/* Accepted: every allowed instruction kind once. */
	struct sock_filter all[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0),
		BPF_STMT(BPF_ST, 0),
		BPF_STMT(BPF_STX, 1),
		BPF_STMT(BPF_LD | BPF_MEM, 0),
		BPF_STMT(BPF_LDX | BPF_MEM, 1),
		BPF_STMT(BPF_ALU | BPF_SUB | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_NEG, 0),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_MISC | BPF_TXA, 0),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 0),
		BPF_STMT(BPF_LD | BPF_IMM, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	EQ("all_kinds", install(all, sizeof all / sizeof all[0], 0), 0);
	EQ("now_filter", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2);
	pass();
}
