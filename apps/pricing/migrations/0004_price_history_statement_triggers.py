# Price history written once per statement (set-based) instead of once per row.

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("pricing", "0003_effective_price_valid_from"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="price",
            name="created_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="price",
            name="changed_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="price",
            name="deleted_delete",
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="price",
            trigger=pgtrigger.compiler.Trigger(
                name="created_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "pricing_priceevent" ("amount", "channel_id", "compare_at", "cost", "currency", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "product_id", "updated_by_id") SELECT new_values."amount", new_values."channel_id", new_values."compare_at", new_values."cost", new_values."currency", new_values."id", _pgh_attached_context.value, NOW(), \'created\', new_values."id", new_values."product_id", new_values."updated_by_id" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="8927a001347f636fcab92f98fd7fbba23c0edb19",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_created_insert_57b38",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="pricing_price",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="price",
            trigger=pgtrigger.compiler.Trigger(
                name="changed_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "pricing_priceevent" ("amount", "channel_id", "compare_at", "cost", "currency", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "product_id", "updated_by_id") SELECT new_values."amount", new_values."channel_id", new_values."compare_at", new_values."cost", new_values."currency", new_values."id", _pgh_attached_context.value, NOW(), \'changed\', new_values."id", new_values."product_id", new_values."updated_by_id" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values."amount" IS DISTINCT FROM (new_values."amount") OR old_values."channel_id" IS DISTINCT FROM (new_values."channel_id") OR old_values."compare_at" IS DISTINCT FROM (new_values."compare_at") OR old_values."cost" IS DISTINCT FROM (new_values."cost") OR old_values."currency" IS DISTINCT FROM (new_values."currency") OR old_values."id" IS DISTINCT FROM (new_values."id") OR old_values."product_id" IS DISTINCT FROM (new_values."product_id") OR old_values."updated_by_id" IS DISTINCT FROM (new_values."updated_by_id")) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="38dfca93d9eeeaaea16d7f93ae21162fd1d93c26",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_changed_update_cd55e",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="pricing_price",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="price",
            trigger=pgtrigger.compiler.Trigger(
                name="deleted_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "pricing_priceevent" ("amount", "channel_id", "compare_at", "cost", "currency", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "product_id", "updated_by_id") SELECT old_values."amount", old_values."channel_id", old_values."compare_at", old_values."cost", old_values."currency", old_values."id", _pgh_attached_context.value, NOW(), \'deleted\', old_values."id", old_values."product_id", old_values."updated_by_id" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="9462eb5626033f67e9d413f46cd56d830038f975",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_deleted_delete_b2dca",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="pricing_price",
                    when="AFTER",
                ),
            ),
        ),
    ]
