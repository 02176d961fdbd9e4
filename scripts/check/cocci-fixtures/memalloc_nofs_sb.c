// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fixture for scripts/coccinelle/api/memalloc_nofs_sb.cocci (static.sh
 * cocci): each function marked "report" must be reported, "quiet" not.
 */

/* quiet: balanced, GFP_KERNEL */
int quiet_balanced(const struct memalloc_sb_ctx *ctx)
{
	struct memalloc_sb_save save;
	void *p;

	memalloc_nofs_save_sb(ctx, &save);
	p = kmalloc(16, GFP_KERNEL);
	if (!p) {
		memalloc_nofs_restore_sb(&save);
		return -ENOMEM;
	}
	memalloc_nofs_restore_sb(&save);
	kfree(p);
	return 0;
}

/* report: GFP_NOFS inside the scope */
void report_nofs_in_scope(const struct memalloc_sb_ctx *ctx)
{
	struct memalloc_sb_save save;

	memalloc_nofs_save_sb(ctx, &save);
	kfree(kmalloc(16, GFP_NOFS));
	memalloc_nofs_restore_sb(&save);
}

/* report: the early return skips the restore */
int report_early_return(const struct memalloc_sb_ctx *ctx)
{
	struct memalloc_sb_save save;
	void *p;

	memalloc_nofs_save_sb(ctx, &save);
	p = kmalloc(16, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	memalloc_nofs_restore_sb(&save);
	kfree(p);
	return 0;
}

/* report: GFP_NOFS in a function given a journal handle */
int report_handle(handle_t *handle)
{
	void *p = kzalloc(16, GFP_NOFS);

	kfree(p);
	return 0;
}
