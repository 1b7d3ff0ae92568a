/* PARMRK un-marking (parmrk.h). */
#include "parmrk.h"

#define MARK 0xFF /* the line discipline's escape byte */

enum parmrk_state { GROUND, AFTER_FF, AFTER_FF00 };

void hp_parmrk_init(struct hp_parmrk *p)
{
	*p = (struct hp_parmrk){.state = GROUND};
}

static void emit(uint8_t *out, uint8_t *flags, size_t *k, uint8_t byte, uint8_t flag)
{
	out[*k] = byte;
	if (flags != NULL)
		flags[*k] = flag;
	(*k)++;
}

size_t hp_parmrk_feed(struct hp_parmrk *p, const uint8_t *in, size_t n, uint8_t *out,
		      uint8_t *flags)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = in[i];
		switch (p->state) {
		case GROUND:
			if (c == MARK)
				p->state = AFTER_FF;
			else
				emit(out, flags, &k, c, HP_PARMRK_OK);
			break;
		case AFTER_FF:
			if (c == 0x00) {
				p->state = AFTER_FF00;
			} else if (c == MARK) {
				p->state = GROUND;
				emit(out, flags, &k, MARK, HP_PARMRK_OK);
			} else {
				/* FF x is no mark the kernel makes: keep x and flag it, so
				 * the output still never runs ahead of the input. */
				p->state = GROUND;
				p->errors++;
				emit(out, flags, &k, c, HP_PARMRK_ERROR);
			}
			break;
		default:
			p->state = GROUND;
			if (c == 0x00) {
				p->breaks++;
				emit(out, flags, &k, c, HP_PARMRK_BREAK);
			} else {
				p->errors++;
				emit(out, flags, &k, c, HP_PARMRK_ERROR);
			}
			break;
		}
	}
	return k;
}
