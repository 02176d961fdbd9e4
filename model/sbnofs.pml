/*
 * A model of superblock-scoped NOFS reclaim, checked by spin
 * (scripts/check/model.sh, make model).  See README.md, "The model".
 *
 * Five filesystems, one task per filesystem holding a running handle
 * (transaction) of it while it allocates, and one task in an anonymous
 * NOFS scope nested in a superblock scope.  Each allocation reclaims in a
 * superblock of spin's choice; the decision is nofs_sb_reclaim_decide()
 * (mm/nofs_sb.c), transcribed below; where it allows the work, the task
 * runs the target's eviction, which does what that target's behaviour
 * says.  A deadlock is an invalid end state: some task blocked for good.
 *
 *   fs 0, 1  XFS-like: opted in as targets, eviction keeps the target
 *            contract (nothing to wait for; fs 1's takes G, below), or in
 *            the DQUOT configuration takes a per-filesystem lock (the
 *            dquot mutex) that the filesystem's own handle holders hold
 *            while they allocate (6.12 XFS with quota, before the series
 *            deferred the release to inodegc)
 *   fs 2, 3  ext4-like: opted in; from a foreign scope, eviction that
 *            may wait for the journal's commit (which waits for every
 *            running handle of that filesystem to stop) is deferred to
 *            the filesystem's own worker (D) or left on the LRU: the
 *            reclaiming task waits for nothing, the worker waits for the
 *            commit outside any scope, and nobody waits for the worker.
 *            In RULE2 and EXT4_EAGER eviction waits for the commit
 *            itself (6.12 ext4), not opted in and opted in respectively
 *   fs 4     XFS-like on a loop device over fs 2: opted in, depth 1;
 *            its eviction writes through fs 2, which needs fs 2's
 *            running handles to stop first
 *   G        a lock that only holders of an anonymous NOFS scope hold
 *            while they allocate (why they chose a blanket scope)
 *
 * Configurations (-D at spin -a time); only SHIPPED must be free of
 * deadlocks, each of the others must deadlock:
 *   SHIPPED       the series' rules and targets that keep the contract
 *   RULE2         "another superblock at the same depth: GFP_KERNEL"
 *                 without the opt-in (the rule the proposal started from),
 *                 ext4 not a target
 *   EXT4_EAGER    ext4 opted in without deferring: the two-journal ABBA
 *   DQUOT         fs 0 and 1 take a lock in eviction that their own
 *                 holders hold while allocating (XFS quota, 6.12)
 *   STACK_DEPTH   fs 4 given the depth of its lower filesystem
 *   ANON_LOOSE    an anonymous scope nested in a superblock scope does
 *                 not suspend it
 */

#define NFS	5
#define NONE	255

/* enum nofs_sb_reason, in the kernel's order */
#define R_FOREIGN	0
#define R_SELF		1
#define R_DISABLED	2
#define R_UNKNOWN_DEPTH	3
#define R_DEPTH		4
#define R_NOT_TARGET	5
#define R_NOT_SCOPED	6

/* SB_RECLAIM_* */
#define W_DENTRIES	1
#define W_INODES	2
#define W_FS_OBJECTS	4
#define W_ALL		7

/* what eviction in a filesystem does from a foreign scope */
#define B_KEEPS		0	/* drops what is free, defers the rest */
#define B_JOURNAL	1	/* may wait for its journal's commit */
#define B_QLOCK		2	/* takes its dquot lock, blocking */
#define B_LOWERIO	3	/* writes through its lower filesystem */
#define B_GLOBAL	4	/* takes G, blocking */
#define B_DEFER		5	/* hands the eviction to its worker */

#ifdef RULE2
#define OPT_IN_IGNORED	1
#else
#define OPT_IN_IGNORED	0
#endif

/*
 * nofs_sb_reclaim_decide(), from mm/nofs_sb.c.  gfp_*: the reclaim's gfp
 * mask after current_gfp_context(); p_*: the task's PF_MEMALLOC_* flags;
 * ctx: a superblock scope context is installed.  The KUnit decision table
 * (mm/nofs_sb_kunit.c) is evaluated against this by scripts/check/model.sh.
 */
inline decide(gfp_fs, gfp_marker, gfp_io, p_nofs, p_nofs_sb, p_noio, ctx,
	      sw, sdepth, tdepth, same, optin, selfw, work, reason, allowed)
{
	allowed = 0;
	if
	:: gfp_fs ->
		allowed = work;
		reason = R_NOT_SCOPED
	:: else ->
		if
		:: !(gfp_marker && gfp_io) || !(p_nofs && p_nofs_sb && !p_noio) ||
		   !ctx ->
			reason = R_NOT_SCOPED
		:: else ->
			if
			:: !sw -> reason = R_DISABLED
			:: else ->
				if
				:: sdepth < 0 || tdepth < 0 ->
					reason = R_UNKNOWN_DEPTH
				:: else ->
					if
					:: same ->
						allowed = selfw & work;
						reason = R_SELF
					:: else ->
						if
						:: sdepth != tdepth ->
							reason = R_DEPTH
						:: else ->
							if
							:: !optin && !OPT_IN_IGNORED ->
								reason = R_NOT_TARGET
							:: else ->
								allowed = work;
								reason = R_FOREIGN
							fi
						fi
					fi
				fi
			fi
		fi
	fi
}

#ifndef DECIDE_TABLE

short depth[NFS];
byte beh[NFS];
bit optin[NFS];
byte selfw[NFS];	/* what ->nofs_sb_reclaim_self accepts */
byte lower[NFS];	/* B_LOWERIO: the filesystem its I/O goes through */

byte handles[NFS];	/* running handles (open transactions) */
bit qlock[NFS];		/* per-filesystem dquot-like lock */
byte deferred[NFS];	/* B_DEFER: evictions queued for the worker */
bit G;

inline lock(l)
{
	atomic { l == 0 -> l = 1 }
}

inline unlock(l)
{
	l = 0
}

/*
 * Eviction in @t, entered from reclaim in a superblock scope.  Each
 * blocking statement names what it waits for (scripts/check/model.sh prints the
 * line where a counterexample's tasks are stuck).
 */
inline evict(t)
{
	if
	:: beh[t] == B_KEEPS -> skip
	:: beh[t] == B_JOURNAL ->
		/* no commit pending, or one that waits for t's handles */
		if
		:: skip
		:: skip; handles[t] == 0	/* waits: t's commit, for t's running handles */
		fi
	:: beh[t] == B_QLOCK ->
		atomic { qlock[t] == 0 -> qlock[t] = 1 }	/* waits: t's dquot lock */
		qlock[t] = 0
	:: beh[t] == B_LOWERIO ->
		handles[lower[t]] == 0	/* waits: the lower filesystem's commit, for its handles */
	:: beh[t] == B_GLOBAL ->
		atomic { G == 0 -> G = 1 }	/* waits: G */
		G = 0
	:: beh[t] == B_DEFER ->
		deferred[t]++	/* queue_work(): no wait */
	fi
}

/*
 * The worker of a B_DEFER filesystem: puts the deferred inodes outside any
 * scope; the eviction may wait for the filesystem's commit.  Nothing waits
 * for it.
 */
proctype worker(byte t)
{
end:
	do
	:: atomic { deferred[t] > 0 -> deferred[t]-- };
		handles[t] == 0	/* waits: the deferred eviction, for t's commit */
	od
}

/*
 * A task with a running handle on @f (a superblock scope for @f), holding
 * f's dquot lock while it allocates if @holdq, or in an anonymous NOFS
 * scope nested in the superblock scope holding G if @anon.  It allocates
 * once; reclaim enters one superblock of spin's choice.
 */
/* the decision's scratch values: not part of the state */
hidden byte reason, allowed;
hidden byte nofs_sb;

proctype task(byte f; bit holdq; bit anon)
{
	byte pick, enter = NONE;

	atomic {
		handles[f]++;
		if
		:: holdq -> lock(qlock[f])
		:: else -> skip
		fi
	};
	if
	:: anon -> lock(G)
	:: else -> skip
	fi;

	/*
	 * The allocation, with current_gfp_context(GFP_KERNEL) in the scope,
	 * and reclaim in a superblock of spin's choice.  Its own superblock
	 * only for ->free_cached_objects (nowait inode reclaim): nothing to
	 * wait for.
	 */
	atomic {
		select (pick : 0 .. NFS - 1);
		d_step {
#ifdef ANON_LOOSE
			nofs_sb = 1;
#else
			nofs_sb = !anon;	/* memalloc_flags_save() suspends it */
#endif
			decide(0, nofs_sb, 1, 1, nofs_sb, 0, 1, 1, depth[f],
			       depth[pick], pick == f, optin[pick], selfw[f],
			       W_ALL, reason, allowed);
			assert(pick != f || allowed == 0 || allowed == W_FS_OBJECTS);
			if
			:: allowed && pick != f -> enter = pick
			:: else -> skip
			fi;
			pick = 0; reason = 0; allowed = 0; nofs_sb = 0
		}
	};
	if
	:: enter != NONE -> evict(enter)
	:: else -> skip
	fi;

	atomic {
		if
		:: anon -> unlock(G)
		:: else -> skip
		fi;
		if
		:: holdq -> unlock(qlock[f])
		:: else -> skip
		fi;
		handles[f]--
	}
}

init
{
	atomic {
		/* fs 0, 1: XFS-like targets at depth 0 */
		depth[0] = 0; optin[0] = 1; selfw[0] = W_FS_OBJECTS;
		depth[1] = 0; optin[1] = 1; selfw[1] = W_FS_OBJECTS;
#ifdef DQUOT
		beh[0] = B_QLOCK; beh[1] = B_QLOCK;
#else
		beh[0] = B_KEEPS; beh[1] = B_GLOBAL;
#endif
		/* fs 2, 3: ext4-like */
		depth[2] = 0; depth[3] = 0;
#if defined(RULE2)
		beh[2] = B_JOURNAL; beh[3] = B_JOURNAL;
#elif defined(EXT4_EAGER)
		beh[2] = B_JOURNAL; beh[3] = B_JOURNAL;
		optin[2] = 1; optin[3] = 1;
#else
		beh[2] = B_DEFER; beh[3] = B_DEFER;
		optin[2] = 1; optin[3] = 1;
#endif
		run worker(2);
		run worker(3);
		/* fs 4: XFS-like on a loop device over fs 2 */
#ifdef STACK_DEPTH
		depth[4] = 0;
#else
		depth[4] = 1;
#endif
		beh[4] = B_LOWERIO; lower[4] = 2; optin[4] = 1;
		selfw[4] = W_FS_OBJECTS;

#ifdef DQUOT
		run task(0, 1, 0);
		run task(1, 1, 0);
#else
		run task(0, 0, 0);
		run task(1, 0, 0);
#endif
		run task(2, 0, 0);
		run task(3, 0, 0);
		run task(4, 0, 0);
		run task(0, 0, 1)
	}
}

#endif /* !DECIDE_TABLE */
