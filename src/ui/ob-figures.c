/* ob-figures.c: how the Dashboard and a campaign's Results show figures
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ob-figures"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-figures.h"

char *
ob_figures_format_rate (double rate)
{
  /* Translators: a percentage, e.g. "12.5 %" */
  return g_strdup_printf (_("%.1f %%"), rate * 100);
}

char *
ob_figures_format_time (gint64 at,
                        gint64 now)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local (at);
  g_autoptr(GDateTime) n = g_date_time_new_from_unix_local (now);

  if (t == NULL || n == NULL)
    return g_strdup ("");
  if (g_date_time_get_year (t) == g_date_time_get_year (n)
      && g_date_time_get_day_of_year (t) == g_date_time_get_day_of_year (n))
    /* Translators: a time today, strftime() format */
    return g_date_time_format (t, _("%H:%M"));
  if (ABS (at - now) < 6 * 86400)
    /* Translators: a time within a week, strftime() format */
    return g_date_time_format (t, _("%a %H:%M"));
  /* Translators: a date and time, strftime() format */
  return g_date_time_format (t, _("%e %b %H:%M"));
}

void
ob_figures_clear (GtkWidget *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (box)) != NULL)
    {
      if (GTK_IS_LIST_BOX (box))
        gtk_list_box_remove (GTK_LIST_BOX (box), child);
      else if (GTK_IS_FLOW_BOX (box))
        gtk_flow_box_remove (GTK_FLOW_BOX (box), child);
      else
        gtk_widget_unparent (child);
    }
}

/* @action: a tile that opens more (the Replies window): a card button. */
static void
add_tile (GtkFlowBox *box,
          const char *caption,
          gint64      value,
          const char *detail,
          gboolean    alarming,
          const char *action)
{
  GtkWidget *tile = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *outer = tile;
  g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  GtkWidget *label = gtk_label_new (number);
  GtkWidget *name = gtk_label_new (caption);
  g_autofree char *accessible = NULL;

  if (action != NULL)
    {
      outer = gtk_button_new ();
      gtk_button_set_child (GTK_BUTTON (outer), tile);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (outer), action);
      gtk_widget_set_tooltip_text (outer, _("Show the replies"));
    }
  gtk_widget_add_css_class (outer, "card");
  gtk_widget_add_css_class (outer, "figure");
  gtk_widget_add_css_class (label, "title-2");
  gtk_widget_add_css_class (label, "numeric");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (name, "caption-heading");
  gtk_box_append (GTK_BOX (tile), name);
  gtk_box_append (GTK_BOX (tile), label);
  if (detail != NULL)
    {
      GtkWidget *sub = gtk_label_new (detail);

      gtk_label_set_xalign (GTK_LABEL (sub), 0);
      gtk_label_set_wrap (GTK_LABEL (sub), TRUE);
      gtk_widget_add_css_class (sub, "caption");
      gtk_widget_add_css_class (sub, alarming ? "error" : "dim-label");
      gtk_box_append (GTK_BOX (tile), sub);
    }
  accessible = g_strdup_printf ("%s: %s%s%s", caption, number, detail != NULL ? ", " : "",
                                detail != NULL ? detail : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (outer), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  gtk_flow_box_append (box, outer);
  gtk_widget_set_focusable (gtk_widget_get_parent (outer), FALSE);
}

void
ob_figures_fill_totals (GtkFlowBox          *box,
                        const ObStatsTotals *t)
{
  g_autofree char *reply_rate = ob_figures_format_rate (t->reply_rate);
  g_autofree char *positive_rate = ob_figures_format_rate (t->positive_rate);
  g_autofree char *bounce_rate = ob_figures_format_rate (t->bounce_rate);
  g_autofree char *threshold = ob_figures_format_rate (t->bounce_threshold_permille / 1000.0);
  g_autofree char *opt_out_rate = ob_figures_format_rate (t->opt_out_rate);
  g_autofree char *reply_detail = NULL;
  g_autofree char *positive_detail = NULL;
  g_autofree char *bounce_detail = NULL;
  g_autofree char *opt_out_detail = NULL;
  g_autofree char *sent_detail = NULL;
  gboolean over = t->bounced * 1000 > (gint64) t->bounce_threshold_permille * (t->sent + t->bounced);

  ob_figures_clear (GTK_WIDGET (box));
  sent_detail = g_strdup_printf (ngettext ("%lld message sent", "%lld messages sent", (gulong) t->sent),
                                 (long long) t->sent);
  add_tile (box, _("Contacted"), t->contacted, sent_detail, FALSE, NULL);
  /* Translators: "12.5 % reply rate" */
  reply_detail = g_strdup_printf (_("%s reply rate"), reply_rate);
  add_tile (box, _("Replies"), t->replied, reply_detail, FALSE, "app.show-replies");
  /* Translators: "33.3 % of replies" */
  positive_detail = g_strdup_printf (_("%s of replies"), positive_rate);
  add_tile (box, _("Interested"), t->positive, positive_detail, FALSE, "app.show-replies");
  /* Translators: the bounce rate and the Bounce Shield's limit: "1.2 %, shield at 2.0 %" */
  bounce_detail = g_strdup_printf (_("%s, shield at %s"), bounce_rate, threshold);
  add_tile (box, _("Bounces"), t->bounced, bounce_detail, over, NULL);
  add_tile (box, _("Auto-Replies"), t->auto_replied, NULL, FALSE, "app.show-replies");
  /* Translators: "0.5 % of contacted" */
  opt_out_detail = g_strdup_printf (_("%s of contacted"), opt_out_rate);
  add_tile (box, _("Opt-Outs"), t->opted_out, opt_out_detail, FALSE, NULL);
}

const char *
ob_figures_event_icon (const ObStatsEvent *e)
{
  const char *k = e->kind;

  if (g_str_equal (k, "sent"))
    return "mail-send-symbolic";
  if (g_str_equal (k, "replied") || g_str_equal (k, "colleague_replied"))
    return e->positive ? "starred-symbolic" : "mail-reply-sender-symbolic";
  if (g_str_equal (k, "reply_positive"))
    return "starred-symbolic";
  if (g_str_equal (k, "bounced") || g_str_equal (k, "soft_bounced") || g_str_equal (k, "failed")
      || g_str_equal (k, "complaint"))
    return "dialog-warning-symbolic";
  if (g_str_equal (k, "auto_replied"))
    return "mail-replied-symbolic";
  if (g_str_equal (k, "opted_out"))
    return "action-unavailable-symbolic";
  if (g_str_has_prefix (k, "campaign_"))
    return "media-playback-start-symbolic";
  return "content-loading-symbolic";
}

char *
ob_figures_describe_event (const ObStatsEvent *e)
{
  const char *who = e->prospect_email != NULL ? e->prospect_email : _("a prospect");
  const char *k = e->kind;

  if (g_str_equal (k, "sent"))
    return g_strdup_printf (_("Step %d sent to %s"), e->step, who);
  if (g_str_equal (k, "replied"))
    return g_strdup_printf (_("%s replied"), who);
  if (g_str_equal (k, "colleague_replied"))
    return g_strdup_printf (_("A colleague of %s replied"), who);
  if (g_str_equal (k, "reply_positive"))
    return g_strdup_printf (_("%s is interested"), who);
  if (g_str_equal (k, "reply_negative"))
    return g_strdup_printf (_("%s is not interested"), who);
  if (g_str_equal (k, "reply_later"))
    return g_strdup_printf (_("%s: not now"), who);
  if (g_str_equal (k, "reply_label"))
    return g_strdup_printf (_("%s is interested"), who);
  if (g_str_equal (k, "auto_replied"))
    return g_strdup_printf (_("Automatic reply from %s"), who);
  if (g_str_equal (k, "bounced"))
    return g_strdup_printf (_("Message to %s bounced"), who);
  if (g_str_equal (k, "soft_bounced"))
    return g_strdup_printf (_("Message to %s was delayed"), who);
  if (g_str_equal (k, "opted_out"))
    return g_strdup_printf (_("%s opted out"), who);
  if (g_str_equal (k, "complaint"))
    return g_strdup_printf (_("%s reported the message as spam"), who);
  if (g_str_equal (k, "failed"))
    return g_strdup_printf (_("Could not send to %s"), who);
  if (g_str_equal (k, "uncertain"))
    return g_strdup_printf (_("Not sure whether %s got step %d"), who, e->step);
  if (g_str_equal (k, "retry"))
    return g_strdup_printf (_("Will try %s again"), who);
  if (g_str_equal (k, "held"))
    return g_strdup_printf (_("Held back the message to %s"), who);
  if (g_str_equal (k, "account_held"))
    return g_strdup (_("The mail server asked to slow down"));
  if (g_str_equal (k, "campaign_started"))
    return g_strdup (_("Campaign started"));
  if (g_str_equal (k, "campaign_paused"))
    return g_strdup (_("Campaign paused"));
  if (g_str_equal (k, "campaign_finished"))
    return g_strdup (_("Campaign finished"));
  return g_strdup (k);
}

GtkWidget *
ob_figures_placeholder (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 18);
  gtk_widget_set_margin_bottom (label, 18);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  return label;
}
