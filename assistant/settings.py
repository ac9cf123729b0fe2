"""One typed place for every setting (environment variables or `.env`)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ADMIN_TOKEN = "dvd_admin"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Database: an external server when set, otherwise the embedded one in pagila_home.
    pagila_dsn: str | None = None
    pagila_home: Path = Path(".pagila")
    pagila_host: str = "127.0.0.1"
    pagila_port: int = 8000
    pagila_staff_id: int = Field(default=1, gt=0)
    db_pool_size: int = Field(default=20, gt=0)  # >= the concurrency it serves: no churn

    admin_token: SecretStr = SecretStr(DEFAULT_ADMIN_TOKEN)
    chainlit_auth_secret: SecretStr | None = None  # signs sign-in cookies (assistant.security)

    llm_mode: Literal["offline", "openai"] = "offline"
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"

    log_level: str = "INFO"
    log_format: Literal["console", "json"] = "console"
    log_libraries: str = "WARNING"  # Semantic Kernel, openai, httpx: they log chat text at INFO

    @property
    def secrets(self) -> list[str]:
        """Values no log line may hold."""
        held = (self.admin_token, self.openai_api_key, self.chainlit_auth_secret)
        return [value.get_secret_value() for value in held if value]

    @property
    def uses_default_admin_token(self) -> bool:
        return self.admin_token.get_secret_value() == DEFAULT_ADMIN_TOKEN


@lru_cache
def get_settings() -> Settings:
    return Settings()
