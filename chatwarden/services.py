"""The composition root: ``build_services(config)`` wires the store, bus, clock and services.

No globals: the web app, the CLI and the tests each build their own ``Services``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from chatwarden.bus import Bus, ChatState, InProcessBus, MemoryChatState
from chatwarden.clock import Clock, SystemClock
from chatwarden.config import AnalyticsSettings, ServiceConfig
from chatwarden.errors import ConfigError
from chatwarden.model import Model
from chatwarden.model.registry import load_live_model
from chatwarden.service.base import Deps
from chatwarden.service.chat.modes import ModeService
from chatwarden.service.chat.send import ChatService
from chatwarden.service.detection.hook import DetectionHook
from chatwarden.service.detection.policy_lists import PolicyListService
from chatwarden.service.detection.settings import DetectionSettingsService
from chatwarden.service.detection.sharing import SharingService
from chatwarden.service.detection.shield import ShieldService
from chatwarden.service.detection.spam import SpamService
from chatwarden.service.detection.strikes import StrikeService
from chatwarden.service.detection.suspicious import SuspiciousService
from chatwarden.service.detection.trust import TrustService
from chatwarden.service.health.analytics import AnalyticsService
from chatwarden.service.health.opsmetrics import OpsMetrics
from chatwarden.service.health.preview import PreviewService
from chatwarden.service.health.shadow import ShadowService
from chatwarden.service.moderation.actions import ActionService
from chatwarden.service.moderation.automod_settings import AutoModSettingsService
from chatwarden.service.moderation.bans import BanListService
from chatwarden.service.moderation.calibration import CalibrationService
from chatwarden.service.moderation.commands import CommandService
from chatwarden.service.moderation.labels import LabelService
from chatwarden.service.moderation.learning import LearningService
from chatwarden.service.moderation.modlog import ModLogService
from chatwarden.service.moderation.review import ReviewService
from chatwarden.service.moderation.unban import UnbanService
from chatwarden.service.moderation.usercard import UserCardService
from chatwarden.service.platform.accounts import AccountService
from chatwarden.service.platform.channels import ChannelService
from chatwarden.service.platform.connections import ConnectionService
from chatwarden.service.platform.emails import EmailService
from chatwarden.service.platform.mailer import SmtpMailer
from chatwarden.service.platform.webhooks import WebhookService
from chatwarden.store import accounts as account_store
from chatwarden.store.engine import Database
from chatwarden.store.migrate import is_up_to_date, upgrade
from chatwarden.store.secretbox import SecretBox


@dataclass(frozen=True)
class Services:
    config: ServiceConfig
    clock: Clock
    bus: Bus
    state: ChatState
    db: Database
    secret_key: str
    accounts: AccountService
    channels: ChannelService
    chat: ChatService
    review: ReviewService
    actions: ActionService
    modes: ModeService
    automod: AutoModSettingsService
    usercard: UserCardService
    unban: UnbanService
    modlog: ModLogService
    webhooks: WebhookService
    # proactive detection (issue 5)
    detection: DetectionSettingsService
    shield: ShieldService
    trust: TrustService
    suspicious: SuspiciousService
    sharing: SharingService
    policy_lists: PolicyListService
    strikes: StrikeService
    spam: SpamService
    metrics: OpsMetrics
    analytics: AnalyticsService
    shadow: ShadowService
    preview: PreviewService
    commands: CommandService  # slash commands typed in chat
    labels: LabelService  # moderators' decisions as a dataset (issue 14)
    calibration: CalibrationService  # the team's disagreements and workload (issue 14)
    learning: LearningService  # each channel learns from its moderators (issue 14)
    bans: BanListService  # the banned-users list and finding users by name (issue 15)
    connections: ConnectionService  # other platforms' chats, credentials sealed (issue 17)
    emails: EmailService  # email verification by mail (issue 15)

    def tick(self) -> None:
        """Periodic work (call about once a second): expire held messages, release delayed
        messages, send due webhooks, purge expired sessions and terms, then roll up finished
        minutes of health analytics and run shadow-mode candidates (off the live path)."""
        with self.metrics.tick_seconds.time():
            self.review.expire_due()
            self.chat.release_delayed()
            self.webhooks.deliver_due()
            self.accounts.purge_expired_sessions()
            self.automod.purge_expired_terms()  # they stopped applying when they expired
            self.learning.learn_due()
            if self.analytics.settings.enabled:
                self.analytics.roll_up()
                self.shadow.evaluate()

    def close(self) -> None:
        self.webhooks.close()
        self.db.dispose()


def build_services(
    config: ServiceConfig,
    *,
    clock: Clock | None = None,
    bus: Bus | None = None,
    state: ChatState | None = None,
    model: Model | None = None,
    migrate: bool = True,
    analytics: AnalyticsSettings | None = None,
    shadow_models: dict[str, Model] | None = None,
) -> Services:
    """Open the database (migrating it to the newest schema unless ``migrate=False``, in which
    case an out-of-date schema is a ``ConfigError``) and build every service."""
    box = SecretBox.from_config(config)  # a bad connector key stops the start, early
    db = Database(config.database_url)
    if migrate:
        upgrade(db.engine)
    elif not is_up_to_date(db.engine):
        db.dispose()
        raise ConfigError("the database schema is not up to date; run `chatwarden db upgrade`")
    deps = Deps(
        db=db,
        clock=clock or SystemClock(),
        bus=bus if bus is not None else InProcessBus(),
        config=config,
        state=state if state is not None else MemoryChatState(),
    )
    actions = ActionService(deps)
    live_model = model if model is not None else load_live_model(config.model_registry_dir())
    metrics = OpsMetrics()
    analytics_service = AnalyticsService(deps, metrics, analytics)
    metrics.sample(
        "chatwarden_review_queue_depth",
        "Held messages waiting for a moderator (all channels).",
        lambda: float(analytics_service.pending_review_count()),
    )
    secret = _secret_key(db, config)
    detection = DetectionSettingsService(deps)
    shield = ShieldService(deps, actions)
    hook = DetectionHook(deps, secret, shield)
    accounts, channels, modes = AccountService(deps), ChannelService(deps), ModeService(deps)
    automod = AutoModSettingsService(deps)
    return Services(
        config=config,
        clock=deps.clock,
        bus=deps.bus,
        state=deps.state,
        db=db,
        secret_key=secret,
        accounts=accounts,
        channels=channels,
        chat=ChatService(deps, live_model, hook),
        review=ReviewService(deps),
        actions=actions,
        modes=modes,
        automod=automod,
        usercard=UserCardService(deps),
        unban=UnbanService(deps, actions),
        modlog=ModLogService(deps),
        webhooks=WebhookService(deps),
        detection=detection,
        shield=shield,
        trust=TrustService(deps, detection),
        suspicious=SuspiciousService(deps),
        sharing=SharingService(deps),
        policy_lists=PolicyListService(deps),
        strikes=StrikeService(deps, detection),
        spam=SpamService(deps, hook),
        metrics=metrics,
        analytics=analytics_service,
        shadow=ShadowService(
            deps,
            {"bundled": live_model, **(shadow_models or {})},
            metrics,
            analytics_service.settings,
        ),
        preview=PreviewService(deps, live_model),
        commands=CommandService(accounts, channels, actions, modes, shield),
        labels=LabelService(deps),
        calibration=CalibrationService(deps, automod),
        learning=LearningService(deps, live_model),
        bans=BanListService(deps),
        connections=ConnectionService(deps, box),
        emails=EmailService(deps, SmtpMailer(config.smtp) if config.smtp.enabled else None),
    )


def _secret_key(db: Database, config: ServiceConfig) -> str:
    if config.secret_key is not None:
        return config.secret_key.get_secret_value()
    with db.read() as conn:
        stored = account_store.get_secret_txn(conn, "secret_key")
    if stored is not None:
        return stored
    try:
        with db.write() as conn:
            account_store.insert_secret_txn(conn, "secret_key", secrets.token_urlsafe(48))
    except IntegrityError:
        pass  # another process stored one first
    with db.read() as conn:
        stored = account_store.get_secret_txn(conn, "secret_key")
    assert stored is not None
    return stored
